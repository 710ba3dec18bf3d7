// A patient's waitlist offers: the open ones, accepting one, declining one.
// Accepting is a move (booking.ts) in the same transaction as the offer's
// own writes, so the database's one-live-appointment-per-slot index decides
// who was first; the loser is told someone else took the time.
import { type Kysely, sql } from 'kysely';
import { type AuditSource, audit } from '../../platform/audit/audit.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import {
  type Actor,
  type MoveAttempt,
  type Moved,
  moveAppointment,
  moveRefused,
} from './booking.ts';

type Db = Kysely<Schema>;
const released = sql.raw(`('cancelled', 'declined', 'not_booked')`);
const offerNotFound = () => new ApiError(404, 'not_found', 'That offer was not found.');

export interface OfferRow {
  id: string;
  appointment_id: string;
  expires_at: Date;
  starts_at: Date;
  ends_at: Date;
  current_starts_at: Date;
  provider_name: string;
  clinic_id: string;
  clinic_name: string;
  clinic_phone: string;
  time_zone: string;
  name_en: string;
  name_es: string;
}

/** The patient's offers that can still be accepted, soonest time first. */
export async function openOffers(db: Db, patientId: string, now = new Date()) {
  const r = await sql<OfferRow>`select o.id, e.appointment_id, o.expires_at, s.starts_at, s.ends_at,
      a.starts_at as current_starts_at, pr.display_name as provider_name, c.id as clinic_id,
      c.name as clinic_name, c.phone as clinic_phone, c.time_zone, vt.name_en, vt.name_es
    from waitlist_offers o
    join waitlist_entries e on e.id = o.entry_id and e.status = 'waiting'
    join appointments a on a.id = e.appointment_id
    join visit_types vt on vt.id = e.visit_type_id
    join slots s on s.id = o.slot_id and s.free
    join providers pr on pr.id = s.provider_id
    join clinics c on c.id = s.clinic_id
    where e.patient_id = ${patientId}::uuid and o.status = 'open'
      and o.expires_at > ${now}::timestamptz
      and not exists (select 1 from appointments b where b.slot_id = s.id
        and b.status not in ${released})
    order by s.starts_at, o.id
    limit 20`.execute(db);
  return r.rows;
}

interface OfferFacts {
  id: string;
  status: 'open' | 'accepted' | 'declined' | 'taken';
  slot_id: number;
  entry_id: string;
  entry_status: string;
  appointment_id: string;
  clinic_id: string;
  expired: boolean;
}

async function offerOf(db: Db, offerId: string, patientId: string) {
  const r = await sql<OfferFacts>`select o.id, o.status, o.slot_id, o.entry_id,
      e.status as entry_status, e.appointment_id, e.clinic_id, o.expires_at <= now() as expired
    from waitlist_offers o join waitlist_entries e on e.id = o.entry_id
    where o.id = ${offerId}::uuid and e.patient_id = ${patientId}::uuid`.execute(db);
  return r.rows[0];
}

const TAKEN_MESSAGE = 'Someone else took this time. You stay on the waitlist for the next one.';

/** Why an offer can no longer be accepted or declined. */
function closed(o: OfferFacts): ApiError {
  if (o.status === 'taken') return new ApiError(409, 'offer_taken', TAKEN_MESSAGE);
  if (o.status === 'accepted')
    return new ApiError(409, 'offer_accepted', 'You have already accepted this time.');
  if (o.status === 'declined')
    return new ApiError(409, 'offer_declined', 'You declined this time.');
  if (o.entry_status !== 'waiting')
    return new ApiError(
      409,
      'offer_closed',
      'This offer closed: your appointment is no longer on the waitlist.',
    );
  return new ApiError(409, 'offer_expired', 'This offer has expired. You stay on the waitlist.');
}

const isOpen = (o: OfferFacts) => o.status === 'open' && o.entry_status === 'waiting' && !o.expired;

/**
 * Accepts an offer in one transaction: the appointment moves to the offered
 * slot (its old one is released), this offer is accepted, the slot's other
 * open offers are taken, the entry is done. Two patients accepting at once
 * both try to insert an appointment on the slot; the unique index lets one
 * through and the other is told someone else took the time.
 */
export async function acceptOffer(
  db: Db,
  actor: Actor,
  p: { offerId: string; patientId: string },
): Promise<Moved & { previousId: string }> {
  const attempt: MoveAttempt = {};
  try {
    return await db.transaction().execute(async (trx) => {
      const offer = await offerOf(trx, p.offerId, p.patientId);
      if (!offer) throw offerNotFound();
      if (!isOpen(offer)) throw closed(offer);
      const moved = await moveAppointment(
        trx,
        actor,
        { id: offer.appointment_id, scope: { patientId: p.patientId }, slotId: offer.slot_id },
        attempt,
      );
      const mine = await trx
        .updateTable('waitlist_offers')
        .set({ status: 'accepted' })
        .where('id', '=', offer.id)
        .where('status', '=', 'open')
        .returning('id')
        .executeTakeFirst();
      // Declined in another tab meanwhile: the move is undone with the rest.
      if (!mine) throw closed({ ...offer, status: 'declined' });
      await trx
        .updateTable('waitlist_offers')
        .set({ status: 'taken' })
        .where('slot_id', '=', offer.slot_id)
        .where('status', '=', 'open')
        .execute();
      await trx
        .updateTable('waitlist_entries')
        .set({ status: 'accepted', updated_at: sql<Date>`now()` })
        .where('id', '=', offer.entry_id)
        .execute();
      await audit(trx, actor.source, {
        action: 'update',
        resourceType: 'WaitlistOffer',
        resourceId: offer.id,
        patientId: p.patientId,
        clinicId: offer.clinic_id,
        details: { status: 'accepted', appointmentId: moved.id },
      });
      return { ...moved, previousId: offer.appointment_id };
    });
  } catch (err) {
    throw await acceptRefusal(db, actor, attempt, err, p);
  }
}

/** A failed acceptance in the patient's words: losing the race reads "someone else took this time". */
async function acceptRefusal(
  db: Db,
  actor: Actor,
  attempt: MoveAttempt,
  err: unknown,
  p: { offerId: string; patientId: string },
): Promise<unknown> {
  const refusal = await moveRefused(db, actor, attempt, err).catch((e: unknown) => e);
  if (!(refusal instanceof ApiError)) return refusal;
  if (refusal.code === 'slot_taken') return new ApiError(409, 'offer_taken', TAKEN_MESSAGE);
  // The same offer accepted twice at once (a double click): the second finds the old appointment gone.
  if (refusal.code === 'not_changeable') {
    const offer = await offerOf(db, p.offerId, p.patientId);
    if (offer && !isOpen(offer)) return closed(offer);
  }
  return refusal;
}

/** Declines an offer; returns its slot, to be offered to the next patient waiting. */
export async function declineOffer(
  db: Db,
  source: AuditSource,
  p: { offerId: string; patientId: string },
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const offer = await offerOf(trx, p.offerId, p.patientId);
    if (!offer) throw offerNotFound();
    const done = await trx
      .updateTable('waitlist_offers')
      .set({ status: 'declined' })
      .where('id', '=', offer.id)
      .where('status', '=', 'open')
      .returning('id')
      .executeTakeFirst();
    if (!done) throw closed(offer);
    await audit(trx, source, {
      action: 'update',
      resourceType: 'WaitlistOffer',
      resourceId: offer.id,
      patientId: p.patientId,
      clinicId: offer.clinic_id,
      details: { status: 'declined' },
    });
    return offer.slot_id;
  });
}
