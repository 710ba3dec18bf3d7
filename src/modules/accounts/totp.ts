// TOTP (RFC 6238) second factor: 30-second steps, one step of clock drift
// either way, and each step's code accepted once per account.
import type { Kysely } from 'kysely';
import { generateSecret, generateURI, verifySync } from 'otplib';
import QRCode from 'qrcode';
import type { Config } from '../../config.ts';
import { decrypt, encrypt } from '../../platform/crypto/crypto.ts';
import type { Schema } from '../../platform/db/schema.ts';

export const TOTP_ISSUER = 'Patient Portal';
const PERIOD_SECONDS = 30;

export const newTotpSecret = () => generateSecret();

export const otpauthUri = (secret: string, account: string) =>
  generateURI({ issuer: TOTP_ISSUER, label: account, secret });

export const qrSvg = (uri: string) => QRCode.toString(uri, { type: 'svg', margin: 2 });

/** "123 456" and "123456" are the same code. */
export const normalizeCode = (code: string) => code.replace(/\s+/g, '');

/** The time step the code belongs to when it is valid now and newer than `afterStep`. */
export function totpStep(secret: string, code: string, afterStep: number | null): number | null {
  const token = normalizeCode(code);
  if (!/^\d{6}$/.test(token)) return null;
  const result = verifySync({
    secret,
    token,
    epochTolerance: PERIOD_SECONDS, // the previous or next step, for clocks a little off
    ...(afterStep !== null ? { afterTimeStep: afterStep } : {}),
  });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}

export const sealSecret = (config: Config, secret: string) => encrypt(config.encryptionKey, secret);
export const openSecret = (config: Config, sealed: string) => decrypt(config.encryptionKey, sealed);

/**
 * Checks a code against the user's enabled TOTP and records its step, so the
 * same code cannot be used again (also not by a request racing this one).
 */
export async function acceptTotpCode(
  db: Kysely<Schema>,
  config: Config,
  userId: string,
  code: string,
): Promise<boolean> {
  const user = await db
    .selectFrom('users')
    .select(['totp_secret', 'totp_enabled_at', 'totp_last_step'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!user?.totp_secret || !user.totp_enabled_at) return false;
  const step = totpStep(openSecret(config, user.totp_secret), code, user.totp_last_step);
  if (step === null) return false;
  const claimed = await db
    .updateTable('users')
    .set({ totp_last_step: step })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(claimed.numUpdatedRows) === 1;
}
