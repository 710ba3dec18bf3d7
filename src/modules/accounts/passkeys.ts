// Passkeys (WebAuthn): phishing-resistant because the browser binds each
// answer to this site's origin. Challenges are kept for 5 minutes and used once.
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { COSEALG, isoBase64URL } from '@simplewebauthn/server/helpers';
import type { Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import type { Schema } from '../../platform/db/schema.ts';

type Db = Kysely<Schema>;

const RP_NAME = 'Patient Portal';
/** EdDSA, ES256, RS256: what passkeys use today (the library would also probe experimental ML-DSA). */
const ALGORITHMS = [COSEALG.EdDSA, COSEALG.ES256, COSEALG.RS256];
const CHALLENGE_MINUTES = 5;
export const MAX_PASSKEYS = 20;

/** The relying party is the portal's public address: its host and exact origin. */
export function relyingParty(config: Config) {
  return { rpID: new URL(config.publicUrl).hostname, origin: config.publicUrl };
}

async function keepChallenge(
  db: Db,
  challenge: string,
  purpose: 'register' | 'authenticate',
  userId: string | null,
) {
  const now = new Date();
  // Sign-in options are public: expired challenges are swept as new ones come.
  await db.deleteFrom('webauthn_challenges').where('expires_at', '<', now).execute();
  await db
    .insertInto('webauthn_challenges')
    .values({
      challenge,
      purpose,
      user_id: userId,
      expires_at: new Date(now.getTime() + CHALLENGE_MINUTES * 60_000),
    })
    .execute();
}

/** The challenge an answer claims to answer (read from clientDataJSON, checked later). */
export function claimedChallenge(clientDataJSON: string): string | null {
  try {
    const data = JSON.parse(isoBase64URL.toUTF8String(clientDataJSON)) as { challenge?: unknown };
    return typeof data.challenge === 'string' ? data.challenge : null;
  } catch {
    return null;
  }
}

/** Uses up a challenge the portal issued: true once, within its 5 minutes. */
export async function consumeChallenge(
  db: Db,
  challenge: string | null,
  purpose: 'register' | 'authenticate',
  userId: string | null,
): Promise<boolean> {
  if (!challenge) return false;
  const row = await db
    .deleteFrom('webauthn_challenges')
    .where('challenge', '=', challenge)
    .where('purpose', '=', purpose)
    .where('expires_at', '>', new Date())
    .where((eb) => (userId ? eb('user_id', '=', userId) : eb('user_id', 'is', null)))
    .returning('id')
    .executeTakeFirst();
  return !!row;
}

export async function registrationOptions(
  db: Db,
  config: Config,
  user: { id: string; email: string; displayName: string },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await db
    .selectFrom('passkeys')
    .select(['id', 'transports'])
    .where('user_id', '=', user.id)
    .execute();
  const options = await generateRegistrationOptions({
    rpName: RP_NAME,
    rpID: relyingParty(config).rpID,
    userName: user.email,
    userDisplayName: user.displayName,
    // The user handle is the account id: no e-mail or name inside the passkey's id.
    userID: new TextEncoder().encode(user.id),
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    supportedAlgorithmIDs: ALGORITHMS,
  });
  await keepChallenge(db, options.challenge, 'register', user.id);
  return options;
}

/** Checks a new passkey against its challenge; the credential to store, or null. */
export async function verifyNewPasskey(
  db: Db,
  config: Config,
  userId: string,
  response: RegistrationResponseJSON,
) {
  const challenge = claimedChallenge(response.response.clientDataJSON);
  if (!(await consumeChallenge(db, challenge, 'register', userId))) return null;
  const { rpID, origin } = relyingParty(config);
  const result = await verifyRegistrationResponse({
    response,
    expectedChallenge: challenge as string,
    expectedOrigin: origin,
    expectedRPID: rpID,
    requireUserVerification: false,
    supportedAlgorithmIDs: ALGORITHMS,
  }).catch(() => null);
  if (!result?.verified) return null;
  const { credential } = result.registrationInfo;
  return {
    id: credential.id,
    publicKey: credential.publicKey,
    counter: credential.counter,
    transports: credential.transports ?? response.response.transports ?? [],
  };
}

/**
 * Options for signing in. They never depend on an e-mail typed (that would
 * tell who has an account): anyone signing in gets an empty allow-list, so
 * the browser offers the passkeys it holds for this site. Someone already
 * part-way signed in (passkey as second factor, or a step-up) gets their
 * own account's passkeys, taken from the session.
 */
export async function authenticationOptions(
  db: Db,
  config: Config,
  sessionUserId: string | null,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const own = sessionUserId
    ? await db
        .selectFrom('passkeys')
        .select(['id', 'transports'])
        .where('user_id', '=', sessionUserId)
        .execute()
    : [];
  const options = await generateAuthenticationOptions({
    rpID: relyingParty(config).rpID,
    allowCredentials: own.map((k) => ({ id: k.id, transports: k.transports })),
    userVerification: 'preferred',
  });
  await keepChallenge(db, options.challenge, 'authenticate', null);
  return options;
}

export type PasskeyCheck =
  | { ok: true; userId: string; passkeyId: string }
  | { ok: false; reason: string; userId: string | null };

/**
 * Checks a sign-in answer: the challenge is ours and unused, the passkey is
 * known, the signature, origin and counter are right. Without a password
 * before it, the authenticator must have verified the person (PIN or
 * biometrics), so the passkey counts as two factors.
 */
export async function checkPasskey(
  db: Db,
  config: Config,
  response: AuthenticationResponseJSON,
  requireUserVerification: boolean,
): Promise<PasskeyCheck> {
  const challenge = claimedChallenge(response.response.clientDataJSON);
  if (!(await consumeChallenge(db, challenge, 'authenticate', null)))
    return { ok: false, reason: 'challenge', userId: null };
  const passkey = await db
    .selectFrom('passkeys')
    .innerJoin('users', 'users.id', 'passkeys.user_id')
    .select(['passkeys.id', 'passkeys.user_id', 'public_key', 'counter', 'transports', 'status'])
    .where('passkeys.id', '=', response.id)
    .executeTakeFirst();
  if (!passkey) return { ok: false, reason: 'unknown_passkey', userId: null };
  const userId = passkey.user_id;
  if (passkey.status !== 'active') return { ok: false, reason: 'disabled', userId };
  const handle = response.response.userHandle;
  if (handle && handle !== isoBase64URL.fromUTF8String(userId))
    return { ok: false, reason: 'wrong_user', userId };
  const { rpID, origin } = relyingParty(config);
  const result = await verifyAuthenticationResponse({
    response,
    expectedChallenge: challenge as string,
    expectedOrigin: origin,
    expectedRPID: rpID,
    credential: {
      id: passkey.id,
      publicKey: new Uint8Array(passkey.public_key),
      counter: passkey.counter,
      transports: passkey.transports,
    },
    requireUserVerification,
  }).catch(() => null);
  if (!result?.verified) return { ok: false, reason: 'not_verified', userId };
  // A counter that did not go up means a cloned authenticator; verify refuses that.
  await db
    .updateTable('passkeys')
    .set({ counter: result.authenticationInfo.newCounter, last_used_at: new Date() })
    .where('id', '=', passkey.id)
    .execute();
  return { ok: true, userId, passkeyId: passkey.id };
}
