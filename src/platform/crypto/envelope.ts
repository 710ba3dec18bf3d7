// Envelope encryption for what patients write: each value is sealed with a
// data key (AES-256-GCM), and the data keys are stored wrapped by a master key
// from configuration. Rotating the master key re-wraps only the data keys.
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Config } from '../../config.ts';
import type { Schema } from '../db/schema.ts';
import { UserError } from '../errors.ts';

type Db = Kysely<Schema>;
/** The part of the configuration the envelope needs. */
export type MasterKeys = Pick<Config, 'dataMasterKey' | 'dataMasterKeysPrevious'>;

export interface Sealed {
  data: Buffer;
  keyId: string;
}

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Names a master key in the database without revealing it. */
export const masterKeyId = (key: Buffer): string =>
  createHash('sha256').update(key).digest('hex').slice(0, 16);

/** Unwrapped data keys by id: one unwrap per key and process. */
const dataKeys = new Map<string, Buffer>();

/** Drops the unwrapped keys (tests; a process that must re-read its keys). */
export function forgetDataKeys(): void {
  dataKeys.clear();
}

export async function sealText(db: Db, config: MasterKeys, text: string): Promise<Sealed> {
  return sealBytes(db, config, Buffer.from(text, 'utf8'));
}

export async function openText(
  db: Db,
  config: MasterKeys,
  data: Buffer | Uint8Array,
  keyId: string,
): Promise<string> {
  return (await openBytes(db, config, data, keyId)).toString('utf8');
}

export async function sealBytes(db: Db, config: MasterKeys, bytes: Buffer): Promise<Sealed> {
  const keyId = await activeDataKey(db, config);
  const key = await dataKey(db, config, keyId);
  return { data: seal(key, bytes, keyId), keyId };
}

export async function openBytes(
  db: Db,
  config: MasterKeys,
  data: Buffer | Uint8Array,
  keyId: string,
): Promise<Buffer> {
  return open(await dataKey(db, config, keyId), Buffer.from(data), keyId);
}

/**
 * version | iv | tag | ciphertext. The associated data (the data key's id for
 * values, the row's id for wrapped keys) makes a ciphertext moved onto
 * another key's rows fail to open.
 */
function seal(key: Buffer, plain: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), data]);
}

function open(key: Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION)
    throw new Error('Unknown ciphertext format');
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([
      decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    throw new Error('Ciphertext does not open: altered, or sealed under another key');
  }
}

/** The id of the key new data is sealed with; the first is created on first use. */
async function activeDataKey(db: Db, config: MasterKeys): Promise<string> {
  const found = await db
    .selectFrom('data_keys')
    .select('id')
    .where('active', '=', true)
    .executeTakeFirst();
  if (found) return found.id;
  // Two first writers at once: the partial unique index keeps one.
  await db
    .insertInto('data_keys')
    .values(newDataKeyRow(config))
    .onConflict((oc) => oc.column('active').where(sql<boolean>`active`).doNothing())
    .execute();
  const row = await db
    .selectFrom('data_keys')
    .select('id')
    .where('active', '=', true)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A fresh data key, wrapped by the current master key, as a row to insert. */
export function newDataKeyRow(config: MasterKeys) {
  const id = randomUUID();
  const key = randomBytes(32);
  dataKeys.set(id, key);
  return {
    id,
    wrapped: seal(config.dataMasterKey, key, id),
    master_key_id: masterKeyId(config.dataMasterKey),
    active: true,
  };
}

async function dataKey(db: Db, config: MasterKeys, id: string): Promise<Buffer> {
  const cached = dataKeys.get(id);
  if (cached) return cached;
  const row = await db
    .selectFrom('data_keys')
    .select(['wrapped', 'master_key_id'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new Error(`No data key ${id}`);
  const key = unwrap(config, { id, ...row });
  dataKeys.set(id, key);
  return key;
}

/** Unwraps with whichever configured master key the row names. */
export function unwrap(
  config: MasterKeys,
  row: { id: string; wrapped: Buffer | Uint8Array; master_key_id: string },
): Buffer {
  const master = masterKeyById(config, row.master_key_id);
  if (!master)
    throw new UserError(
      `Data key ${row.id} is wrapped by master key ${row.master_key_id}, which is not configured: add that key to DATA_MASTER_KEY_PREVIOUS.`,
    );
  return open(master, Buffer.from(row.wrapped), row.id);
}

/** Wraps a data key under the current master key. */
export const wrap = (config: MasterKeys, id: string, key: Buffer): Buffer =>
  seal(config.dataMasterKey, key, id);

function masterKeyById(config: MasterKeys, id: string): Buffer | undefined {
  return [config.dataMasterKey, ...config.dataMasterKeysPrevious].find(
    (k) => masterKeyId(k) === id,
  );
}
