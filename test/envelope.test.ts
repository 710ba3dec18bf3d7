// Encryption at rest for messages: values sealed with a data key open again,
// and nothing else does (an altered ciphertext, a ciphertext moved to another
// key, a key unwrapped with the wrong master key); data keys are unwrapped
// once per process; `keys rotate` re-wraps them under a new master key so
// everything opens with only that key, and names a missing old key.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import {
  forgetDataKeys,
  type MasterKeys,
  masterKeyId,
  openBytes,
  openText,
  type Sealed,
  sealBytes,
  sealText,
} from '../src/platform/crypto/envelope.ts';
import { rotateKeys } from '../src/platform/crypto/keys-command.ts';
import { UserError } from '../src/platform/errors.ts';
import { type TestDatabase, testDatabase } from './support/database.ts';

const key = () => randomBytes(32);
const keysOf = (current: Buffer, ...previous: Buffer[]): MasterKeys => ({
  dataMasterKey: current,
  dataMasterKeysPrevious: previous,
});

let database: TestDatabase;
beforeAll(async () => {
  database = await testDatabase();
});
afterAll(async () => {
  await database?.close();
});

/**
 * Every test starts with no data keys (nothing else in this file refers to
 * them), as a process that has unwrapped nothing yet.
 */
async function freshDb() {
  forgetDataKeys();
  await database.db.deleteFrom('data_keys').execute();
  return database.db;
}

/** Flips one bit at `index` (negative: from the end). */
function flipped(data: Buffer, index: number): Buffer {
  const copy = Buffer.from(data);
  const at = index < 0 ? copy.length + index : index;
  copy[at] = (copy[at] ?? 0) ^ 0x01;
  return copy;
}

describe('sealing and opening', () => {
  it('round-trips text and bytes, each seal with a fresh IV', async () => {
    const db = await freshDb();
    const config = keysOf(key());
    for (const text of ['', 'Is 20 mg of lisinopril too much?', 'Ñandú — 痛み 🩺']) {
      const sealed = await sealText(db, config, text);
      expect(sealed.data.includes(Buffer.from(text))).toBe(text === '');
      expect(await openText(db, config, sealed.data, sealed.keyId)).toBe(text);
    }
    const bytes = randomBytes(200_000);
    const sealed = await sealBytes(db, config, bytes);
    expect((await openBytes(db, config, sealed.data, sealed.keyId)).equals(bytes)).toBe(true);
    const again = await sealText(db, config, 'same words');
    const twice = await sealText(db, config, 'same words');
    expect(again.data.equals(twice.data)).toBe(false);
  });

  it('opens a Uint8Array (PGlite returns bytea that way)', async () => {
    const db = await freshDb();
    const config = keysOf(key());
    const sealed = await sealText(db, config, 'from PGlite');
    const view = new Uint8Array(sealed.data);
    expect(await openText(db, config, view, sealed.keyId)).toBe('from PGlite');
  });

  it('creates one active data key, wrapped by the current master key, even under a race', async () => {
    const db = await freshDb();
    const master = key();
    const sealed = await Promise.all(
      Array.from({ length: 8 }, (_, i) => sealText(db, keysOf(master), `note ${i}`)),
    );
    const rows = await db.selectFrom('data_keys').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ active: true, master_key_id: masterKeyId(master) });
    expect(new Set(sealed.map((s) => s.keyId))).toEqual(new Set([rows[0]?.id]));
    // The master key's id names it without revealing it.
    expect(masterKeyId(master)).toMatch(/^[0-9a-f]{16}$/);
    expect(Buffer.from(rows[0]?.wrapped ?? []).includes(master)).toBe(false);
  });

  it('refuses an altered ciphertext: version, IV, tag, body, or cut short', async () => {
    const db = await freshDb();
    const config = keysOf(key());
    const { data, keyId } = await sealText(db, config, 'Results are normal.');
    for (const bad of [
      flipped(data, 0),
      flipped(data, 3),
      flipped(data, 20),
      flipped(data, -1),
      data.subarray(0, data.length - 1),
      data.subarray(0, 10),
    ])
      await expect(openText(db, config, bad, keyId)).rejects.toThrow(
        /Ciphertext does not open|Unknown ciphertext format/,
      );
  });

  it("refuses a ciphertext moved to another data key's rows (the key id is bound in)", async () => {
    const db = await freshDb();
    const config = keysOf(key());
    const first = await sealText(db, config, 'Sealed under the first key.');
    await rotateKeys(db, config, { newDataKey: true });
    const second = await sealText(db, config, 'Sealed under the second key.');
    expect(second.keyId).not.toBe(first.keyId);
    await expect(openText(db, config, first.data, second.keyId)).rejects.toThrow(
      /Ciphertext does not open/,
    );
    expect(await openText(db, config, first.data, first.keyId)).toBe('Sealed under the first key.');
  });

  it('refuses a data key unwrapped with the wrong master key', async () => {
    const db = await freshDb();
    const right = key();
    const wrong = key();
    const sealed = await sealText(db, keysOf(right), 'Only with the right master key.');
    forgetDataKeys();
    // The row now claims the other (configured) master key: unwrapping must fail, not guess.
    await db
      .updateTable('data_keys')
      .set({ master_key_id: masterKeyId(wrong) })
      .where('id', '=', sealed.keyId)
      .execute();
    await expect(openText(db, keysOf(right, wrong), sealed.data, sealed.keyId)).rejects.toThrow(
      /Ciphertext does not open/,
    );
  });

  it('names the master key a data key needs when it is not configured', async () => {
    const db = await freshDb();
    const old = key();
    const sealed = await sealText(db, keysOf(old), 'Needs the old key.');
    forgetDataKeys();
    const refusal = openText(db, keysOf(key()), sealed.data, sealed.keyId);
    await expect(refusal).rejects.toBeInstanceOf(UserError);
    await expect(refusal).rejects.toThrow(
      `master key ${masterKeyId(old)}, which is not configured: add that key to DATA_MASTER_KEY_PREVIOUS`,
    );
  });

  it('unwraps each data key once per process', async () => {
    const db = await freshDb();
    const config = keysOf(key());
    const sealed = await sealText(db, config, 'Cached key.');
    forgetDataKeys();
    expect(await openText(db, config, sealed.data, sealed.keyId)).toBe('Cached key.');
    // Spoil the stored key: the process keeps the one it unwrapped...
    const row = await db
      .selectFrom('data_keys')
      .select('wrapped')
      .where('id', '=', sealed.keyId)
      .executeTakeFirstOrThrow();
    await db
      .updateTable('data_keys')
      .set({ wrapped: flipped(Buffer.from(row.wrapped), -1) })
      .where('id', '=', sealed.keyId)
      .execute();
    expect(await openText(db, config, sealed.data, sealed.keyId)).toBe('Cached key.');
    // ...and a fresh process has to unwrap the stored one again.
    forgetDataKeys();
    await expect(openText(db, config, sealed.data, sealed.keyId)).rejects.toThrow(
      /Ciphertext does not open/,
    );
  });
});

describe('portal keys rotate', () => {
  it('re-wraps every data key, starts a new one, and everything opens with only the new master key', async () => {
    const db = await freshDb();
    const oldMaster = key();
    const newMaster = key();
    const before = keysOf(oldMaster);
    const sealed: [Sealed, string][] = [];
    for (let k = 0; k < 3; k++) {
      for (const text of [`message ${k}a`, `message ${k}b`])
        sealed.push([await sealText(db, before, text), text]);
      await rotateKeys(db, before, { newDataKey: true });
    }
    const dataKeyCount = 3 + 1;

    const during = keysOf(newMaster, oldMaster);
    const summary = await rotateKeys(db, during, { newDataKey: true });
    expect(summary).toMatchObject({
      masterKeyId: masterKeyId(newMaster),
      rewrapped: dataKeyCount,
      alreadyCurrent: 0,
    });
    const rows = await db.selectFrom('data_keys').selectAll().execute();
    expect(rows).toHaveLength(dataKeyCount + 1);
    expect(rows.every((r) => r.master_key_id === masterKeyId(newMaster))).toBe(true);
    expect(rows.filter((r) => r.active).map((r) => r.id)).toEqual([summary.newDataKeyId]);
    expect(rows.filter((r) => r.rewrapped_at !== null)).toHaveLength(dataKeyCount);

    forgetDataKeys();
    const after = keysOf(newMaster);
    for (const [{ data, keyId }, text] of sealed)
      expect(await openText(db, after, data, keyId)).toBe(text);
    const fresh = await sealText(db, after, 'written after the rotation');
    expect(fresh.keyId).toBe(summary.newDataKeyId);

    // Audited as the system, one event per key re-wrapped and one for the new key.
    const events = await db
      .selectFrom('audit_events')
      .select(['action', 'actor_role', 'resource_id', 'details'])
      .where('resource_type', '=', 'DataKey')
      .where('actor_role', '=', 'system')
      .where(
        'resource_id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    const rewrapped = events.filter((e) => e.action === 'update');
    expect(rewrapped).toHaveLength(dataKeyCount);
    expect(rewrapped[0]?.details).toMatchObject({
      from: masterKeyId(oldMaster),
      to: masterKeyId(newMaster),
    });
    expect(
      events.some((e) => e.action === 'create' && e.resource_id === summary.newDataKeyId),
    ).toBe(true);
    expect(JSON.stringify(events)).not.toContain(newMaster.toString('base64'));

    // Run again: nothing left to re-wrap; --no-new-data-key keeps the active key.
    expect(await rotateKeys(db, after, { newDataKey: false })).toEqual({
      masterKeyId: masterKeyId(newMaster),
      rewrapped: 0,
      alreadyCurrent: dataKeyCount + 1,
      newDataKeyId: null,
    });
    expect((await sealText(db, after, 'same key')).keyId).toBe(summary.newDataKeyId);
  });

  it('refuses with one line, changing nothing, when a row names a master key not configured', async () => {
    const db = await freshDb();
    const lost = key();
    const sealed = await sealText(db, keysOf(lost), 'wrapped by a key that is gone');
    const rowsBefore = await db.selectFrom('data_keys').selectAll().execute();
    const refusal = rotateKeys(db, keysOf(key()), { newDataKey: true });
    await expect(refusal).rejects.toBeInstanceOf(UserError);
    await expect(refusal).rejects.toThrow(
      new RegExp(
        `^Data key ${sealed.keyId} is wrapped by master key ${masterKeyId(lost)}, which is not configured[^\\n]*$`,
      ),
    );
    expect(await db.selectFrom('data_keys').selectAll().execute()).toEqual(rowsBefore);
  });
});

describe('configuration', () => {
  const production = {
    NODE_ENV: 'production',
    COOKIE_SECRET: 'k7Qe9vXb2LrTz4Wm8NpA1sDf6GhJc3Uy',
    DATABASE_URL: 'postgres://portal:pw@db.internal:5432/portal',
    PUBLIC_URL: 'https://portal.example.org',
    ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    DATA_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
    SMTP_URL: 'smtp://mailer:pw@smtp.example.org:587',
    EHR_FHIR_BASE_URL: 'https://ehr.example.org/fhir/R4',
  };
  const refusal = (env: Record<string, string | undefined>) => {
    try {
      loadConfig(env);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('expected the configuration to be refused');
  };

  it('derives a master key of its own from ENCRYPTION_KEY outside production', () => {
    const a = loadConfig({ NODE_ENV: 'test' });
    expect(a.dataMasterKey).toHaveLength(32);
    expect(a.dataMasterKey.equals(a.encryptionKey)).toBe(false);
    expect(loadConfig({}).dataMasterKey.equals(a.dataMasterKey)).toBe(true);
    const other = loadConfig({ ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64') });
    expect(other.dataMasterKey.equals(a.dataMasterKey)).toBe(false);
    expect(a.dataMasterKeysPrevious).toEqual([]);
  });

  it('reads the master key and the previous ones', () => {
    const [current, p1, p2] = [key(), key(), key()];
    const config = loadConfig({
      DATA_MASTER_KEY: current.toString('base64'),
      DATA_MASTER_KEY_PREVIOUS: `${p1.toString('base64')}, ${p2.toString('base64')}`,
    });
    expect(config.dataMasterKey.equals(current)).toBe(true);
    expect(config.dataMasterKeysPrevious.map((k) => k.toString('hex'))).toEqual([
      p1.toString('hex'),
      p2.toString('hex'),
    ]);
  });

  it('requires DATA_MASTER_KEY in production', () => {
    expect(loadConfig(production).dataMasterKey.equals(Buffer.alloc(32, 9))).toBe(true);
    expect(refusal({ ...production, DATA_MASTER_KEY: undefined })).toBe(
      'DATA_MASTER_KEY: required in production (openssl rand -base64 32)',
    );
  });

  it('refuses ENCRYPTION_KEY reused as DATA_MASTER_KEY, and malformed keys, naming the variable', () => {
    expect(refusal({ ...production, DATA_MASTER_KEY: production.ENCRYPTION_KEY })).toMatch(
      /^DATA_MASTER_KEY: must differ from ENCRYPTION_KEY/,
    );
    expect(refusal({ DATA_MASTER_KEY: 'c2hvcnQ=' })).toMatch(/^DATA_MASTER_KEY: must be 32 bytes/);
    expect(refusal({ DATA_MASTER_KEY_PREVIOUS: `${key().toString('base64')},c2hvcnQ=` })).toMatch(
      /^DATA_MASTER_KEY_PREVIOUS: key 2: must be 32 bytes/,
    );
  });
});
