// Keeping the slot inventory fresh: the whole booking window from the EHR
// every 10 minutes (and once at start), plus clearing holds long expired.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { EhrGateway } from '../../ehr/gateway/gateway.ts';
import type { Schema } from '../../platform/db/schema.ts';
import type { Jobs } from '../../platform/jobs/jobs.ts';
import { refreshAll } from './inventory.ts';

export const INVENTORY_QUEUE = 'scheduling.inventory';
export const INVENTORY_EVERY_10_MINUTES = '*/10 * * * *';

export async function registerInventoryJobs(
  jobs: Jobs,
  db: Kysely<Schema>,
  gateway: EhrGateway,
  log: Logger,
): Promise<void> {
  await jobs.boss.createQueue(INVENTORY_QUEUE, { policy: 'exclusive', expireInSeconds: 1800 });
  await jobs.handle(INVENTORY_QUEUE, async () => {
    const started = performance.now();
    const summary = await refreshAll(db, gateway);
    await db
      .deleteFrom('slot_holds')
      .where('expires_at', '<', sql<Date>`now() - interval '1 hour'`)
      .execute();
    log.info(
      { ...summary, ms: Math.round(performance.now() - started) },
      'slot inventory refreshed',
    );
  });
  await jobs.boss.schedule(INVENTORY_QUEUE, INVENTORY_EVERY_10_MINUTES, {});
  await jobs.send(INVENTORY_QUEUE, {});
}
