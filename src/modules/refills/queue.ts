// The clinic's review queue: requests waiting for a decision, oldest first,
// each with the moment the clinic promised to decide by (its target in
// business days, counted on the clinic's own calendar), or those decided.
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import { addBusinessDays } from '../../platform/time/business-days.ts';
import { clinicRefillRules } from './clinic-rules.ts';
import type { QueueItem } from './model.ts';
import { UNDECIDED } from './tables.ts';

export const QUEUE_PAGE = 50;

// Shared with messaging; still exported here, where refills' callers find it.
export { addBusinessDays };

export interface ClinicClock {
  id: string;
  time_zone: string;
}

/** The clinic's promise for requests made at these times. */
export async function dueDates(db: Kysely<Schema>, clinic: ClinicClock) {
  const { targetBusinessDays } = await clinicRefillRules(db, clinic.id);
  return {
    targetBusinessDays,
    dueAt: (createdAt: Date) => addBusinessDays(createdAt, targetBusinessDays, clinic.time_zone),
  };
}

/** Whether the latest question to the patient has no answer after it. */
export const awaitingAnswer = sql<boolean>`coalesce((select e.kind = 'question'
  from refill_events e where e.request_id = r.id and e.kind in ('question', 'answer')
  order by e.id desc limit 1), false)`;

export async function queuePage(
  db: Kysely<Schema>,
  clinic: ClinicClock,
  q: { status: 'undecided' | 'decided'; page: number },
  now = new Date(),
): Promise<{ items: QueueItem[]; hasMore: boolean }> {
  const undecided = q.status === 'undecided';
  const rows = await db
    .selectFrom('refill_requests as r')
    .innerJoin('patients as p', 'p.id', 'r.patient_id')
    .select([
      'r.id',
      'r.clinic_id',
      'r.patient_id',
      'p.given_name',
      'p.family_name',
      'r.medication_name',
      'r.kind',
      'r.status',
      'r.routed_to',
      'r.created_at',
      awaitingAnswer.as('awaiting_answer'),
    ])
    .where('r.clinic_id', '=', clinic.id)
    .$if(undecided, (qb) => qb.where('r.status', 'in', [...UNDECIDED]).orderBy('r.created_at'))
    .$if(!undecided, (qb) =>
      qb.where('r.decided_at', 'is not', null).orderBy('r.decided_at', 'desc'),
    )
    .orderBy('r.id')
    .limit(QUEUE_PAGE + 1)
    .offset((q.page - 1) * QUEUE_PAGE)
    .execute();
  const { dueAt } = await dueDates(db, clinic);
  const items = rows.slice(0, QUEUE_PAGE).map((r): QueueItem => {
    const due = dueAt(r.created_at);
    return {
      id: r.id,
      clinicId: r.clinic_id,
      patientId: r.patient_id,
      patientName: `${r.given_name} ${r.family_name}`,
      medicationName: r.medication_name,
      kind: r.kind,
      status: r.status,
      routedTo: r.routed_to,
      createdAt: r.created_at.toISOString(),
      dueAt: due.toISOString(),
      // A decided request is no longer waiting, so it cannot be late now.
      overdue: undecided && now > due,
      awaitingAnswer: Boolean(r.awaiting_answer),
    };
  });
  return { items, hasMore: rows.length > QUEUE_PAGE };
}
