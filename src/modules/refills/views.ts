// Refill requests as the API shows them, with their timeline: the patient
// sees the entries meant for them and "your care team" (no names); staff see
// every entry and who wrote it.
import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import type { RefillEvent, RefillRequestView } from './model.ts';
import { UNDECIDED } from './tables.ts';

type Db = Kysely<Schema>;

export interface ViewOptions {
  forPatient: boolean;
  /** Only this patient's request (a patient's own scope); another's reads as missing. */
  patientId?: string;
}

export async function refillRequestView(
  db: Db,
  id: string,
  options: ViewOptions,
): Promise<RefillRequestView | undefined> {
  const [view] = await refillRequestViews(db, [id], options);
  return view;
}

/** Several requests in the order of `ids`, with two queries whatever their number. */
export async function refillRequestViews(
  db: Db,
  ids: readonly string[],
  options: ViewOptions,
): Promise<RefillRequestView[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('refill_requests as r')
    .innerJoin('clinics as c', 'c.id', 'r.clinic_id')
    .leftJoin('pharmacies as ph', 'ph.id', 'r.pharmacy_id')
    .select([
      'r.id',
      'r.clinic_id',
      'c.name as clinic_name',
      'r.patient_id',
      'r.ehr_medication_request_id',
      'r.medication_name',
      'r.kind',
      'r.status',
      'r.note',
      'r.deny_reason',
      'r.created_at',
      'r.decided_at',
      'ph.id as pharmacy_id',
      'ph.clinic_id as pharmacy_clinic_id',
      'ph.name as pharmacy_name',
      'ph.address as pharmacy_address',
      'ph.phone as pharmacy_phone',
    ])
    .where('r.id', 'in', [...ids])
    .$if(options.patientId !== undefined, (q) =>
      q.where('r.patient_id', '=', options.patientId as string),
    )
    .execute();
  const events = await db
    .selectFrom('refill_events as e')
    .leftJoin('users as u', 'u.id', 'e.actor_user_id')
    .select(['e.request_id', 'e.kind', 'e.created_at', 'e.text', 'e.for_patient', 'u.display_name'])
    .where('e.request_id', 'in', [...ids])
    .$if(options.forPatient, (q) => q.where('e.for_patient', '=', true))
    .orderBy('e.id')
    .execute();
  const byRequest = Map.groupBy(events, (e) => e.request_id);
  const views = new Map(
    rows.map((r) => {
      const timeline = byRequest.get(r.id) ?? [];
      const view: RefillRequestView = {
        id: r.id,
        clinicId: r.clinic_id,
        clinicName: r.clinic_name,
        patientId: r.patient_id,
        medicationId: r.ehr_medication_request_id,
        medicationName: r.medication_name,
        kind: r.kind,
        status: r.status,
        pharmacy: r.pharmacy_id
          ? {
              id: r.pharmacy_id,
              clinicId: r.pharmacy_clinic_id as string,
              name: r.pharmacy_name as string,
              address: r.pharmacy_address as string,
              phone: r.pharmacy_phone as string,
            }
          : null,
        note: r.note,
        denyReason: r.deny_reason,
        awaitingAnswer:
          UNDECIDED.includes(r.status) &&
          timeline.findLast((e) => e.kind === 'question' || e.kind === 'answer')?.kind ===
            'question',
        createdAt: r.created_at.toISOString(),
        decidedAt: r.decided_at?.toISOString() ?? null,
        events: timeline.map(
          (e): RefillEvent => ({
            kind: e.kind,
            at: e.created_at.toISOString(),
            text: e.text,
            by: options.forPatient ? null : e.display_name,
            forPatient: e.for_patient,
          }),
        ),
      };
      return [r.id, view] as const;
    }),
  );
  return ids.flatMap((id) => views.get(id) ?? []);
}
