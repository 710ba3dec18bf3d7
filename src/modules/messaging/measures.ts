// How fast the care team answers: for conversations patients started in a
// period, the time to the first staff reply per pool (median and 90th
// percentile), the share answered within the pool's target in business
// days, and what waits for a staff answer now (and is late): a first
// question, a reopened thread or a later question alike.
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import { hoursBetween, medianAndP90, roundedHours } from '../../platform/db/turnaround.ts';
import { addBusinessDays } from '../../platform/time/business-days.ts';
import type { MessageMeasures } from './model.ts';
import { replyClock } from './threads.ts';

const hours = hoursBetween('created_at', 'first_staff_reply_at');
const TOPIC_ORDER = sql<number>`array_position(array['medical','appointment','billing','refill','other'], topic)`;

export async function messageMeasures(
  db: Kysely<Schema>,
  clinic: { id: string; time_zone: string },
  range: { from: Date; to: Date },
  now = new Date(),
): Promise<MessageMeasures> {
  const pools = await db
    .selectFrom('message_pools')
    .select(['id', 'topic', 'target_business_days'])
    .where('clinic_id', '=', clinic.id)
    .orderBy(TOPIC_ORDER)
    .execute();
  // Staff-started threads wait on the patient, not on the clinic: not measured.
  const startedIn = db
    .selectFrom('message_threads')
    .where('clinic_id', '=', clinic.id)
    .where('started_by_staff', '=', false)
    .where('created_at', '>=', range.from)
    .where('created_at', '<', range.to);
  const stats = await startedIn
    .select([
      'pool_id',
      sql<string>`count(*)`.as('threads'),
      sql<string>`count(first_staff_reply_at)`.as('replied'),
      ...medianAndP90(hours),
    ])
    .groupBy('pool_id')
    .execute();
  // Business days follow the clinic's calendar, so each reply is checked here.
  const replied = await startedIn
    .select(['pool_id', 'created_at', 'first_staff_reply_at'])
    .where('first_staff_reply_at', 'is not', null)
    .execute();
  // A patient's message waiting for an answer, whoever started the thread.
  const waiting = await db
    .selectFrom('message_threads')
    .select(['pool_id', 'status', 'awaiting_reply_since'])
    .where('clinic_id', '=', clinic.id)
    .where('awaiting_reply_since', 'is not', null)
    .where('status', '!=', 'closed')
    .execute();
  return {
    clinicId: clinic.id,
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    pools: pools.map((p) => {
      const s = stats.find((r) => r.pool_id === p.id);
      const answered = replied.filter((r) => r.pool_id === p.id);
      const due = (created: Date) =>
        addBusinessDays(created, p.target_business_days, clinic.time_zone);
      const inTime = answered.filter(
        (r) => (r.first_staff_reply_at as Date) <= due(r.created_at),
      ).length;
      const late = waiting.filter(
        (t) =>
          t.pool_id === p.id &&
          replyClock(t, t.status, p.target_business_days, clinic.time_zone, now).overdue,
      );
      return {
        poolId: p.id,
        topic: p.topic,
        threads: Number(s?.threads ?? 0),
        replied: Number(s?.replied ?? 0),
        medianHours: roundedHours(s?.median ?? null),
        p90Hours: roundedHours(s?.p90 ?? null),
        withinTarget: answered.length ? inTime / answered.length : null,
        targetBusinessDays: p.target_business_days,
        waiting: waiting.filter((t) => t.pool_id === p.id).length,
        overdue: late.length,
      };
    }),
  };
}
