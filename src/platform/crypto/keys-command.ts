// `portal keys rotate`: after DATA_MASTER_KEY has been replaced (the old key
// moved to DATA_MASTER_KEY_PREVIOUS and every instance restarted), re-wraps
// each data key under the new master key, one short transaction per key, so
// the portal keeps serving; then starts a new data key for new writes.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { audit, SYSTEM_SOURCE } from '../audit/audit.ts';
import type { Schema } from '../db/schema.ts';
import { type MasterKeys, masterKeyId, newDataKeyRow, unwrap, wrap } from './envelope.ts';

type Db = Kysely<Schema>;

export interface RotateSummary {
  masterKeyId: string;
  rewrapped: number;
  alreadyCurrent: number;
  /** The data key new writes now use, when one was started. */
  newDataKeyId: string | null;
}

export async function rotateKeys(
  db: Db,
  config: MasterKeys,
  opts: { newDataKey: boolean },
): Promise<RotateSummary> {
  const current = masterKeyId(config.dataMasterKey);
  const rows = await db
    .selectFrom('data_keys')
    .select(['id', 'wrapped', 'master_key_id'])
    .execute();
  const stale = rows.filter((r) => r.master_key_id !== current);
  // Refuse before changing anything when a row's master key is missing.
  for (const row of stale) unwrap(config, row);
  let rewrapped = 0;
  for (const { id } of stale) if (await rewrapOne(db, config, id)) rewrapped += 1;
  const newDataKeyId = opts.newDataKey ? await startDataKey(db, config) : null;
  return {
    masterKeyId: current,
    rewrapped,
    alreadyCurrent: rows.length - stale.length,
    newDataKeyId,
  };
}

export function describeRotation(s: RotateSummary): string {
  const fresh = s.newDataKeyId ? '; new writes use a new data key' : '';
  return `Data keys: ${s.rewrapped} re-wrapped under master key ${s.masterKeyId}, ${s.alreadyCurrent} already under it${fresh}.`;
}

/** One key in its own transaction; false when another run got there first. */
async function rewrapOne(db: Db, config: MasterKeys, id: string): Promise<boolean> {
  const current = masterKeyId(config.dataMasterKey);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('data_keys')
      .select(['id', 'wrapped', 'master_key_id'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (row.master_key_id === current) return false;
    const key = unwrap(config, row);
    await trx
      .updateTable('data_keys')
      .set({ wrapped: wrap(config, id, key), master_key_id: current, rewrapped_at: sql`now()` })
      .where('id', '=', id)
      .execute();
    await audit(trx, SYSTEM_SOURCE, {
      action: 'update',
      resourceType: 'DataKey',
      resourceId: id,
      details: { job: 'keys rotate', from: row.master_key_id, to: current },
    });
    return true;
  });
}

/** Retires the active data key (it keeps opening what it sealed) and starts another. */
async function startDataKey(db: Db, config: MasterKeys): Promise<string> {
  return db.transaction().execute(async (trx) => {
    await trx.updateTable('data_keys').set({ active: false }).where('active', '=', true).execute();
    const row = newDataKeyRow(config);
    await trx.insertInto('data_keys').values(row).execute();
    await audit(trx, SYSTEM_SOURCE, {
      action: 'create',
      resourceType: 'DataKey',
      resourceId: row.id,
      details: { job: 'keys rotate', masterKey: row.master_key_id },
    });
    return row.id;
  });
}
