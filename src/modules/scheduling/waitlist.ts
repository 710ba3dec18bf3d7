// The waitlist: a patient with a booking asks for an earlier time, with the
// same provider or any. When a slot is freed (a cancellation, a move, a
// declined request, an accepted or declined offer) the oldest matching
// entries are offered it by e-mail and in the portal for a while; the first
// to accept gets it (waitlist-offers.ts). A sweep every minute offers what
// was freed in other ways and tidies up.
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import { type AuditSource, audit, auditMany, SYSTEM_SOURCE } from '../../platform/audit/audit.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import type { Jobs } from '../../platform/jobs/jobs.ts';
import { queueAppointmentNotice } from './notices.ts';
import { changeRefusal } from './rules.ts';
import type { AppointmentStatus } from './tables.ts';

type Db = Kysely<Schema>;
export type WaitlistPolicy = Pick<
  Config,
  'publicUrl' | 'waitlistOfferBatch' | 'waitlistOfferMinutes'
>;

/** Appointments that may wait for an earlier time: booked (or on the way), not a request. */
const WAITABLE: readonly AppointmentStatus[] = ['confirming', 'booked', 'checked_in'];
const waitable = sql.raw(`('confirming', 'booked', 'checked_in')`);
const released = sql.raw(`('cancelled', 'declined', 'not_booked')`);

export const offersUrl = (publicUrl: string) => `${publicUrl}/appointments/offers`;

const notFound = () => new ApiError(404, 'not_found', 'That appointment was not found.');

export interface WaitlistState {
  appointmentId: string;
  waiting: boolean;
  provider: 'same' | 'any' | null;
  joinedAt: string | null;
  /** The appointment may still be moved online, so an earlier time could be taken. */
  canJoin: boolean;
}

async function appointmentFor(db: Db, id: string, patientId: string, lock: boolean) {
  return db
    .selectFrom('appointments as a')
    .innerJoin('visit_types as vt', 'vt.id', 'a.visit_type_id')
    .select([
      'a.id',
      'a.clinic_id',
      'a.provider_id',
      'a.visit_type_id',
      'a.status',
      'a.starts_at',
      'vt.change_cutoff_hours',
    ])
    .where('a.id', '=', id)
    .where('a.patient_id', '=', patientId)
    .$if(lock, (q) => q.forUpdate('a'))
    .executeTakeFirst();
}

type Appointment = NonNullable<Awaited<ReturnType<typeof appointmentFor>>>;

const canJoin = (a: Appointment, now: Date) =>
  WAITABLE.includes(a.status) &&
  changeRefusal({
    now,
    startsAt: a.starts_at,
    status: a.status,
    changeCutoffHours: a.change_cutoff_hours,
    byStaff: false,
  }) === null;

/** Whether the patient's appointment is on the waitlist, and whether it could be. */
export async function waitlistState(
  db: Db,
  p: { patientId: string; appointmentId: string },
): Promise<WaitlistState> {
  const a = await appointmentFor(db, p.appointmentId, p.patientId, false);
  if (!a) throw notFound();
  const entry = await db
    .selectFrom('waitlist_entries')
    .select(['provider_id', 'created_at'])
    .where('appointment_id', '=', a.id)
    .where('status', '=', 'waiting')
    .executeTakeFirst();
  return {
    appointmentId: a.id,
    waiting: !!entry,
    provider: entry ? (entry.provider_id ? 'same' : 'any') : null,
    joinedAt: entry?.created_at.toISOString() ?? null,
    canJoin: canJoin(a, new Date()),
  };
}

/** Puts the appointment on the waitlist, or changes its provider choice (keeping its place). */
export async function joinWaitlist(
  db: Db,
  source: AuditSource,
  p: { patientId: string; appointmentId: string; provider: 'same' | 'any' },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // Locked, so a cancellation running now cannot leave an entry behind.
    const a = await appointmentFor(trx, p.appointmentId, p.patientId, true);
    if (!a) throw notFound();
    if (!canJoin(a, new Date()))
      throw new ApiError(
        409,
        'not_waitable',
        'This appointment cannot wait for an earlier time: it is a request, past, or too close to change online.',
      );
    const entry = await trx
      .insertInto('waitlist_entries')
      .values({
        appointment_id: a.id,
        patient_id: p.patientId,
        clinic_id: a.clinic_id,
        visit_type_id: a.visit_type_id,
        provider_id: p.provider === 'same' ? a.provider_id : null,
      })
      .onConflict((oc) =>
        oc
          .column('appointment_id')
          .where(sql<boolean>`status = 'waiting'`)
          .doUpdateSet((eb) => ({
            provider_id: eb.ref('excluded.provider_id'),
            updated_at: sql<Date>`now()`,
          })),
      )
      .returning('id')
      .executeTakeFirstOrThrow();
    await audit(trx, source, {
      action: 'create',
      resourceType: 'WaitlistEntry',
      resourceId: entry.id,
      patientId: p.patientId,
      clinicId: a.clinic_id,
      details: { provider: p.provider },
    });
  });
}

/** Takes the appointment off the waitlist; returns the slots of offers it let go (to offer on). */
export async function leaveWaitlist(
  db: Db,
  source: AuditSource,
  p: { patientId: string; appointmentId: string },
): Promise<number[]> {
  return db.transaction().execute(async (trx) => {
    const a = await appointmentFor(trx, p.appointmentId, p.patientId, true);
    if (!a) throw notFound();
    const entry = await trx
      .updateTable('waitlist_entries')
      .set({ status: 'cancelled', updated_at: sql<Date>`now()` })
      .where('appointment_id', '=', a.id)
      .where('status', '=', 'waiting')
      .returning('id')
      .executeTakeFirst();
    if (!entry) return [];
    const offers = await trx
      .updateTable('waitlist_offers')
      .set({ status: 'declined' })
      .where('entry_id', '=', entry.id)
      .where('status', '=', 'open')
      .returning('slot_id')
      .execute();
    await audit(trx, source, {
      action: 'update',
      resourceType: 'WaitlistEntry',
      resourceId: entry.id,
      patientId: p.patientId,
      clinicId: a.clinic_id,
      details: { status: 'cancelled', offersDeclined: offers.length },
    });
    return offers.map((o) => o.slot_id);
  });
}

interface OpenSlot {
  id: number;
  clinic_id: string;
  provider_id: string;
  starts_at: Date;
  ends_at: Date;
}

/** The slot, locked, when anyone could book it now: free in the EHR, no live appointment, no hold. */
async function lockBookableSlot(trx: Db, slotId: number, now: Date) {
  const r = await sql<OpenSlot>`select s.id, s.clinic_id, s.provider_id, s.starts_at, s.ends_at
    from slots s join providers pr on pr.id = s.provider_id and pr.active
    where s.id = ${slotId}::bigint and s.free and s.starts_at > ${now}::timestamptz
      and not exists (select 1 from appointments a where a.slot_id = s.id
        and a.status not in ${released})
      and not exists (select 1 from slot_holds h where h.slot_id = s.id
        and h.expires_at > ${now}::timestamptz)
    for update of s`.execute(trx);
  return r.rows[0];
}

/** Offers still open on a slot (entry waiting, not expired). */
async function openOfferCount(trx: Db, slotId: number, now: Date): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from waitlist_offers o
    join waitlist_entries e on e.id = o.entry_id and e.status = 'waiting'
    where o.slot_id = ${slotId}::bigint and o.status = 'open' and o.expires_at > ${now}::timestamptz`.execute(
    trx,
  );
  return r.rows[0]?.n ?? 0;
}

interface Match {
  entry_id: string;
  appointment_id: string;
  patient_id: string;
}

/**
 * Waiting entries the slot suits, oldest first: same clinic, a provider who
 * offers their visit type (theirs, if they asked for the same one), earlier
 * than their appointment, which they may still move online, within the
 * visit type's booking window, not clashing with their other appointments,
 * and not offered this slot before.
 */
async function matchingEntries(trx: Db, s: OpenSlot, now: Date, limit: number) {
  const r = await sql<Match>`select e.id as entry_id, e.appointment_id, e.patient_id
    from waitlist_entries e
    join appointments a on a.id = e.appointment_id
    join visit_types vt on vt.id = e.visit_type_id
    where e.status = 'waiting' and e.clinic_id = ${s.clinic_id}::uuid
      and (e.provider_id is null or e.provider_id = ${s.provider_id}::uuid)
      and exists (select 1 from visit_type_providers vp where vp.visit_type_id = e.visit_type_id
        and vp.provider_id = ${s.provider_id}::uuid)
      and vt.active and vt.booking <> 'offline'
      and a.status in ${waitable} and a.starts_at > ${s.starts_at}::timestamptz
      and a.starts_at - make_interval(hours => vt.change_cutoff_hours) > ${now}::timestamptz
      and ${s.starts_at}::timestamptz >= ${now}::timestamptz + make_interval(mins => vt.min_lead_minutes)
      and ${s.starts_at}::timestamptz <= ${now}::timestamptz + make_interval(days => vt.max_days_ahead)
      and not exists (select 1 from waitlist_offers o where o.entry_id = e.id
        and o.slot_id = ${s.id}::bigint)
      and not exists (select 1 from appointments b where b.patient_id = e.patient_id
        and b.id <> e.appointment_id and b.status not in ${released}
        and tstzrange(b.starts_at, b.ends_at) && tstzrange(${s.starts_at}::timestamptz, ${s.ends_at}::timestamptz))
    order by e.created_at, e.id
    limit ${limit}::int`.execute(trx);
  return r.rows;
}

/**
 * Offers a freed slot to the next waiting patients it suits, up to the batch
 * size of open offers; call it after the freeing transaction commits. Safe to
 * call again: a slot is offered to an entry once (unique (entry_id, slot_id)),
 * and the slot's row lock keeps two callers from offering it twice over.
 * Returns how many offers were made.
 */
export async function offerFreedSlot(
  db: Db,
  slotId: number,
  policy: WaitlistPolicy,
  now = new Date(),
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const slot = await lockBookableSlot(trx, slotId, now);
    if (!slot) return 0;
    const room = policy.waitlistOfferBatch - (await openOfferCount(trx, slotId, now));
    if (room <= 0) return 0;
    const matches = await matchingEntries(trx, slot, now, room);
    if (matches.length === 0) return 0;
    // Open for the configured time, but never past the slot's own start.
    const expiresAt = new Date(
      Math.min(now.getTime() + policy.waitlistOfferMinutes * 60_000, slot.starts_at.getTime()),
    );
    const offers = await trx
      .insertInto('waitlist_offers')
      .values(
        matches.map((m) => ({ entry_id: m.entry_id, slot_id: slot.id, expires_at: expiresAt })),
      )
      .returning(['id', 'entry_id'])
      .execute();
    const byEntry = new Map(matches.map((m) => [m.entry_id, m]));
    await auditMany(
      trx,
      SYSTEM_SOURCE,
      offers.map((o) => ({
        action: 'create' as const,
        resourceType: 'WaitlistOffer',
        resourceId: o.id,
        patientId: byEntry.get(o.entry_id)?.patient_id,
        clinicId: slot.clinic_id,
        details: { slotId: String(slot.id), expiresAt: expiresAt.toISOString() },
      })),
    );
    const offered = {
      startsAt: slot.starts_at,
      endsAt: slot.ends_at,
      url: offersUrl(policy.publicUrl),
    };
    for (const m of matches)
      await queueAppointmentNotice(trx, m.appointment_id, 'offer', policy.publicUrl, offered);
    return offers.length;
  });
}

/**
 * The periodic tidy-up: entries whose appointment can no longer move end;
 * open offers on a slot someone has booked are marked taken; slots the
 * portal saw freed (a released appointment on them) that are bookable again
 * and have room for more offers are offered on — after a hold lapsed, an
 * offer expired or was declined, or the EHR freed a time it had refused. A
 * slot that was never booked through the portal is not an opening: it is
 * simply open, and search shows it.
 */
export async function sweepWaitlist(db: Db, policy: WaitlistPolicy, now = new Date()) {
  const ended = await endStaleEntries(db, now);
  await db
    .updateTable('waitlist_offers')
    .set({ status: 'taken' })
    .where('status', '=', 'open')
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('appointments as a')
          .select('a.id')
          .whereRef('a.slot_id', '=', 'waitlist_offers.slot_id')
          .where('a.status', 'not in', ['cancelled', 'declined', 'not_booked']),
      ),
    )
    .execute();
  let offered = 0;
  for (const slotId of await reopenedSlots(db, policy, now))
    offered += await offerFreedSlot(db, slotId, policy, now);
  return { ended, offered };
}

async function endStaleEntries(db: Db, now: Date): Promise<number> {
  const r = await sql<{
    id: string;
    patient_id: string;
    clinic_id: string;
  }>`update waitlist_entries e
    set status = 'ended', updated_at = now()
    from appointments a join visit_types vt on vt.id = a.visit_type_id
    where a.id = e.appointment_id and e.status = 'waiting'
      and (a.status not in ${waitable}
        or a.starts_at - make_interval(hours => vt.change_cutoff_hours) <= ${now}::timestamptz)
    returning e.id, e.patient_id, e.clinic_id`.execute(db);
  await auditMany(
    db,
    SYSTEM_SOURCE,
    r.rows.map((e) => ({
      action: 'update' as const,
      resourceType: 'WaitlistEntry',
      resourceId: e.id,
      patientId: e.patient_id,
      clinicId: e.clinic_id,
      details: { status: 'ended', reason: 'appointment_no_longer_movable' },
    })),
  );
  return r.rows.length;
}

/** Freed slots worth another offer: bookable, room for offers, someone at the clinic waiting for earlier. */
async function reopenedSlots(db: Db, policy: WaitlistPolicy, now: Date): Promise<number[]> {
  const r = await sql<{ id: number }>`select s.id from slots s
    where s.id in (select a.slot_id from appointments a
        where a.status in ${released} and a.starts_at > ${now}::timestamptz
          and a.clinic_id in (select clinic_id from waitlist_entries where status = 'waiting'))
      and s.free and s.starts_at > ${now}::timestamptz
      and not exists (select 1 from appointments a where a.slot_id = s.id
        and a.status not in ${released})
      and exists (select 1 from waitlist_entries e join appointments w on w.id = e.appointment_id
        where e.status = 'waiting' and e.clinic_id = s.clinic_id and w.starts_at > s.starts_at)
      and (select count(*) from waitlist_offers o
          join waitlist_entries e on e.id = o.entry_id and e.status = 'waiting'
          where o.slot_id = s.id and o.status = 'open' and o.expires_at > ${now}::timestamptz)
        < ${policy.waitlistOfferBatch}::int
    order by s.starts_at, s.id
    limit 200`.execute(db);
  return r.rows.map((row) => Number(row.id));
}

export const WAITLIST_QUEUE = 'scheduling.waitlist';

/** The sweep every minute, on one instance at a time. */
export async function registerWaitlistJob(
  jobs: Jobs,
  db: Db,
  policy: WaitlistPolicy,
  log: Logger,
): Promise<void> {
  await jobs.boss.createQueue(WAITLIST_QUEUE, { policy: 'exclusive', expireInSeconds: 300 });
  await jobs.handle(WAITLIST_QUEUE, async () => {
    const swept = await sweepWaitlist(db, policy);
    if (swept.ended || swept.offered) log.info(swept, 'waitlist swept');
  });
  await jobs.boss.schedule(WAITLIST_QUEUE, '* * * * *', {});
}
