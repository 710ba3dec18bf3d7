// How fast a clinic decides: turnaround (requested → decided) for requests
// decided in a period, its median and 90th percentile, the share decided
// within the clinic's target, and what is waiting (and late) now.
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import { hoursBetween, medianAndP90, roundedHours } from '../../platform/db/turnaround.ts';
import type { RefillMeasures } from './model.ts';
import { type ClinicClock, dueDates } from './queue.ts';
import { UNDECIDED } from './tables.ts';

const hours = hoursBetween('created_at', 'decided_at');

export async function refillMeasures(
  db: Kysely<Schema>,
  clinic: ClinicClock,
  range: { from: Date; to: Date },
  now = new Date(),
): Promise<RefillMeasures> {
  const decidedIn = db
    .selectFrom('refill_requests')
    .where('clinic_id', '=', clinic.id)
    .where('decided_at', '>=', range.from)
    .where('decided_at', '<', range.to);
  const stats = await decidedIn
    .select([sql<string>`count(*)`.as('decided'), ...medianAndP90(hours)])
    .executeTakeFirstOrThrow();
  // Business days depend on the clinic's calendar, so each is checked here.
  const decided = await decidedIn.select(['created_at', 'decided_at']).execute();
  const waiting = await db
    .selectFrom('refill_requests')
    .select('created_at')
    .where('clinic_id', '=', clinic.id)
    .where('status', 'in', [...UNDECIDED])
    .execute();
  const { targetBusinessDays, dueAt } = await dueDates(db, clinic);
  const inTime = decided.filter((r) => (r.decided_at as Date) <= dueAt(r.created_at)).length;
  return {
    clinicId: clinic.id,
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    decided: Number(stats.decided),
    medianHours: roundedHours(stats.median),
    p90Hours: roundedHours(stats.p90),
    withinTarget: decided.length ? inTime / decided.length : null,
    targetBusinessDays,
    undecided: waiting.length,
    overdue: waiting.filter((r) => now > dueAt(r.created_at)).length,
  };
}
