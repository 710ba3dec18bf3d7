// Appointments reconciled with the EHR. A FHIR server this project did not
// write (medplum's, taking Slots like a real EHR) holds a clinic's schedule;
// a patient books through the portal and the outbox confirms it there. Then
// someone at the clinic cancels, moves or deletes the Appointment in the EHR,
// or gives a requested time to someone else, without the portal knowing. The
// reconcile run records each with both versions, and the desk settles it:
// the portal follows a cancellation (and tells the patient), sends a lost
// booking again, or staff call the patient and dismiss with a note.
import type { Appointment, Slot } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../src/ehr/gateway/fhir-client.ts';
import { DEFAULT_POLICY, drainOutbox, type SendPolicy } from '../src/ehr/outbox/worker.ts';
import {
  appointmentChange,
  appointmentChangedCheck,
  appointmentMissingCheck,
  ehrVersion,
} from '../src/ehr/reconcile/appointment-checks.ts';
import { reconcile } from '../src/ehr/reconcile/reconcile.ts';
import { bookKeys } from '../src/modules/scheduling/writeback.ts';
import { type TestApp, testApp } from './support/app.ts';
import type { Client } from './support/client.ts';
import { clinicScheduleInEhr, linkedPatient, type PortalSlot } from './support/ehr-clinic.ts';
import { createClinic, createUser, signedInClient } from './support/factories.ts';
import { type FhirServer, startFhirServer } from './support/fhir-server.ts';
import { createVisitType } from './support/scheduling.ts';

let t: TestApp;
let ehr: FhirServer;
const db = () => t.database.db;

const gateway = () =>
  createGateway(
    { baseUrl: ehr.baseUrl, auth: { kind: 'none' }, timeoutMs: 5_000 },
    { retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 } },
  );
const policy = (): SendPolicy => ({ ...DEFAULT_POLICY, publicUrl: t.config.publicUrl });

beforeAll(async () => {
  t = await testApp();
  ehr = await startFhirServer();
});
afterAll(async () => {
  await ehr?.close();
  await t?.close();
});

interface Setup {
  clinic: { id: string; name: string };
  online: string;
  byRequest: string;
  practitionerId: string;
  slots: PortalSlot[];
  patientId: string;
  email: string;
  patient: Client;
  admin: Client;
}

/**
 * A clinic in both systems (a Location with the clinic's slug, a clinician's
 * Schedule, four free Slots), a visit type booked at once and one by
 * request, a patient linked to their EHR record, and the clinic's admin.
 */
async function clinicInBothSystems(): Promise<Setup> {
  const clinic = await createClinic(db());
  const online = await createVisitType(db(), clinic.id, []);
  const byRequest = await createVisitType(db(), clinic.id, [], { booking: 'request' });
  const { practitionerId, slots } = await clinicScheduleInEhr(db(), gateway(), clinic, {
    clinician: { given: 'Ines', family: 'Balcazar' },
    slots: 4,
  });
  expect(slots).toHaveLength(4);
  // The same person on both sides, so only the appointments can differ.
  const { patientId, user } = await linkedPatient(db(), gateway(), t.config, clinic.id, {
    givenName: 'Odalys',
    familyName: 'Ferreira',
    birthDate: '1979-05-30',
  });
  const admin = await createUser(db(), t.config, {
    roles: [{ role: 'clinic_admin', clinicId: clinic.id }],
  });
  return {
    clinic,
    online: online.id,
    byRequest: byRequest.id,
    practitionerId,
    slots,
    patientId,
    email: user.email,
    patient: await signedInClient(t, user),
    admin: await signedInClient(t, admin),
  };
}

const slot = (s: Setup, i: number) => s.slots[i] as PortalSlot;

async function book(s: Setup, slotId: number, visitTypeId = s.online): Promise<string> {
  const res = await s.patient.post('/api/appointments', { slotId: String(slotId), visitTypeId });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

/** Booked through the portal and confirmed by the EHR: the portal id and the EHR's. */
async function confirmedBooking(s: Setup, i = 0) {
  const id = await book(s, slot(s, i).id);
  await drainOutbox(db(), gateway(), policy());
  const row = await appointment(id);
  expect(row.status).toBe('booked');
  return { id, ehrId: row.ehr_appointment_id as string };
}

const appointment = (id: string) =>
  db()
    .selectFrom('appointments')
    .select(['status', 'ehr_appointment_id', 'cancel_reason', 'cancelled_by', 'slot_id'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();

/** Someone at the clinic changes the Appointment in the EHR; the portal is not told. */
async function editInEhr(ehrId: string, change: (a: Appointment) => Appointment) {
  const current = (await gateway().read<Appointment>('Appointment', ehrId)) as Appointment;
  await gateway().update({ ...change(current), id: ehrId });
}

/**
 * The Appointment is deleted in the EHR; its scheduler frees the Slot (a
 * bare FHIR server does not, so this does), unless the time went to someone else.
 */
async function deleteInEhr(ehrId: string, slotAfter: 'free' | 'busy' = 'free') {
  const gone = (await gateway().read<Appointment>('Appointment', ehrId)) as Appointment;
  const res = await fetch(`${ehr.baseUrl}/Appointment/${ehrId}`, { method: 'DELETE' });
  expect(res.ok).toBe(true);
  const slotId = gone.slot?.[0]?.reference?.replace('Slot/', '') as string;
  const current = (await gateway().read<Slot>('Slot', slotId)) as Slot;
  await gateway().update({ ...current, id: slotId, status: slotAfter });
}

const reconcileClinic = (s: Setup) =>
  reconcile(db(), gateway(), { scope: { clinicId: s.clinic.id } });

const open = (s: Setup) =>
  db()
    .selectFrom('discrepancies')
    .selectAll()
    .where('clinic_id', '=', s.clinic.id)
    .where('status', '=', 'open')
    .execute();

const resolve = (s: Setup, id: string, body: unknown) =>
  s.admin.post(`/api/admin/discrepancies/${id}/resolve`, body);

const mailTo = (email: string) =>
  db()
    .selectFrom('mail_outbox')
    .select(['subject', 'body'])
    .where('to_address', '=', email)
    .orderBy('created_at')
    .execute();

const outboxOf = (s: Setup) =>
  db()
    .selectFrom('ehr_outbox')
    .select(['kind', 'status', 'idempotency_key', 'ehr_id'])
    .where('clinic_id', '=', s.clinic.id)
    .orderBy('created_at')
    .execute();

describe('appointments the EHR still has as booked', () => {
  it('agree: no discrepancy, and every one is compared', async () => {
    const s = await clinicInBothSystems();
    await confirmedBooking(s);
    const summary = await reconcileClinic(s);
    expect(summary).toMatchObject({ found: 0, opened: 0, errors: 0, failedChecks: [] });
    expect(await open(s)).toEqual([]);
    const appointments = await reconcile(db(), gateway(), {
      scope: { clinicId: s.clinic.id },
      checks: [appointmentMissingCheck, appointmentChangedCheck],
    });
    expect(appointments).toMatchObject({ checked: 2, found: 0 });
  });
});

describe('an appointment cancelled in the EHR', () => {
  it('is found once with both versions; the portal follows, tells the patient, and sends nothing back', async () => {
    const s = await clinicInBothSystems();
    const { id, ehrId } = await confirmedBooking(s);
    await editInEhr(ehrId, (a) => ({ ...a, status: 'cancelled' }));

    expect((await reconcileClinic(s)).opened).toBe(1);
    expect((await reconcileClinic(s)).opened).toBe(0);
    const [found, ...more] = await open(s);
    expect(more).toEqual([]);
    const times = {
      start: slot(s, 0).starts_at.toISOString(),
      end: slot(s, 0).ends_at.toISOString(),
      practitioner: `Practitioner/${s.practitionerId}`,
    };
    expect(found).toMatchObject({
      type: 'appointment_changed_in_ehr',
      subject_key: `Appointment/${id}`,
      patient_id: s.patientId,
      severity: 'high',
      suggested_action: 'take_ehr',
      ehr_reference: `Appointment/${ehrId}`,
      portal_version: { status: 'booked', ...times },
      ehr_version: { status: 'cancelled', ...times },
    });

    const listed = await s.admin.get(
      `/api/admin/discrepancies?clinicId=${s.clinic.id}&type=appointment_changed_in_ehr`,
    );
    expect(listed.json().items[0]).toMatchObject({
      clinic: { id: s.clinic.id, timeZone: 'America/Chicago' },
      portalVersion: { status: 'booked' },
      ehrVersion: { status: 'cancelled' },
    });

    const res = await resolve(s, found?.id as string, { action: 'take_ehr' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'resolved', resolution: 'take_ehr' });
    const row = await appointment(id);
    expect(row).toMatchObject({ status: 'cancelled', cancel_reason: 'Cancelled by the clinic' });
    expect(row.cancelled_by).not.toBeNull();
    const freed = await db()
      .selectFrom('slots')
      .select('free')
      .where('id', '=', row.slot_id)
      .executeTakeFirstOrThrow();
    expect(freed.free).toBe(false);
    const mail = await mailTo(s.email);
    expect(mail.map((m) => m.subject)).toEqual([
      'Your appointment is confirmed',
      'Your appointment was cancelled',
    ]);
    expect(mail[1]?.body).not.toContain('Cancelled by the clinic');
    expect((await outboxOf(s)).map((o) => o.kind)).toEqual(['appointment.book']);
    const change = await db()
      .selectFrom('audit_events')
      .select(['details', 'actor_user_id'])
      .where('resource_type', '=', 'Appointment')
      .where('resource_id', '=', id)
      .where('action', '=', 'update')
      .executeTakeFirstOrThrow();
    expect(change.details).toMatchObject({
      status: 'cancelled',
      from: 'booked',
      source: 'ehr',
      ehrStatus: 'cancelled',
      discrepancyId: found?.id,
    });
    expect(change.actor_user_id).toBe(row.cancelled_by);
    // The portal no longer counts it as upcoming: nothing left to compare, nothing found again.
    expect((await reconcileClinic(s)).found).toBe(0);
  });

  it('marked no-show in the EHR is recorded as a no-show, without mail', async () => {
    const s = await clinicInBothSystems();
    const { id, ehrId } = await confirmedBooking(s);
    await editInEhr(ehrId, (a) => ({ ...a, status: 'noshow' }));
    await reconcileClinic(s);
    const [found] = await open(s);
    expect(found?.ehr_version).toMatchObject({ status: 'noshow' });
    expect((await resolve(s, found?.id as string, { action: 'take_ehr' })).statusCode).toBe(200);
    expect((await appointment(id)).status).toBe('no_show');
    expect((await mailTo(s.email)).map((m) => m.subject)).toEqual([
      'Your appointment is confirmed',
    ]);
  });

  it('cannot be followed once the patient changed it in the portal', async () => {
    const s = await clinicInBothSystems();
    const { id, ehrId } = await confirmedBooking(s);
    await editInEhr(ehrId, (a) => ({ ...a, status: 'cancelled' }));
    await reconcileClinic(s);
    const [found] = await open(s);
    const cancel = await s.patient.post(`/api/appointments/${id}/cancel`, { reason: 'Away' });
    expect(cancel.statusCode).toBe(200);
    const res = await resolve(s, found?.id as string, { action: 'take_ehr' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('cannot_resolve_so');
    expect((await open(s)).map((d) => d.id)).toEqual([found?.id]);
  });
});

describe('an appointment moved in the EHR', () => {
  it('is found as a change to review; the portal does not follow it, staff dismiss with a note', async () => {
    const s = await clinicInBothSystems();
    const { id, ehrId } = await confirmedBooking(s);
    const later = slot(s, 2);
    await editInEhr(ehrId, (a) => ({
      ...a,
      start: later.starts_at.toISOString(),
      end: later.ends_at.toISOString(),
    }));
    await reconcileClinic(s);
    const [found] = await open(s);
    expect(found).toMatchObject({
      type: 'appointment_changed_in_ehr',
      severity: 'medium',
      suggested_action: 'review',
      portal_version: { start: slot(s, 0).starts_at.toISOString() },
      ehr_version: { status: 'booked', start: later.starts_at.toISOString() },
    });
    const follow = await resolve(s, found?.id as string, { action: 'take_ehr' });
    expect(follow.statusCode).toBe(409);
    expect(follow.json().error.message).toMatch(/agree the time with the patient/);
    expect((await resolve(s, found?.id as string, { action: 'push_portal' })).statusCode).toBe(409);
    const note = 'Called the patient: the new time suits them; front desk moves it in the portal';
    const res = await resolve(s, found?.id as string, { action: 'dismiss', note });
    expect(res.json()).toMatchObject({ status: 'dismissed', note });
    expect((await appointment(id)).status).toBe('booked');
  });
});

describe('an appointment deleted from the EHR', () => {
  it('is found as missing; pushing books it again under a new key, and a later cancel follows that one', async () => {
    const s = await clinicInBothSystems();
    const { id, ehrId } = await confirmedBooking(s);
    await deleteInEhr(ehrId);
    await reconcileClinic(s);
    const [found, ...more] = await open(s);
    expect(more).toEqual([]);
    expect(found).toMatchObject({
      type: 'appointment_missing_in_ehr',
      subject_key: `Appointment/${id}`,
      severity: 'high',
      suggested_action: 'push_portal',
      portal_version: { status: 'booked', start: slot(s, 0).starts_at.toISOString() },
      ehr_version: null,
    });

    const res = await resolve(s, found?.id as string, { action: 'push_portal' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ resolution: 'push_portal', pushStatus: 'pending' });
    expect((await appointment(id)).status).toBe('confirming');
    const [first, again] = bookKeys(id);
    expect((await outboxOf(s)).map((o) => [o.idempotency_key, o.status])).toEqual([
      [first, 'confirmed'],
      [again, 'pending'],
    ]);

    await drainOutbox(db(), gateway(), policy());
    const rebooked = await appointment(id);
    expect(rebooked.status).toBe('booked');
    expect(rebooked.ehr_appointment_id).not.toBe(ehrId);
    const inEhr = await gateway().read<Appointment>(
      'Appointment',
      rebooked.ehr_appointment_id as string,
    );
    expect(inEhr).toMatchObject({
      status: 'booked',
      slot: [{ reference: `Slot/${slot(s, 0).ehr}` }],
    });
    expect((await reconcileClinic(s)).found).toBe(0);

    const cancel = await s.patient.post(`/api/appointments/${id}/cancel`, { reason: 'Better' });
    expect(cancel.statusCode).toBe(200);
    await drainOutbox(db(), gateway(), policy());
    const after = await gateway().read<Appointment>(
      'Appointment',
      rebooked.ehr_appointment_id as string,
    );
    expect(after?.status).toBe('cancelled');
    expect((await gateway().read<Slot>('Slot', slot(s, 0).ehr))?.status).toBe('free');
  });

  it('sent again when the EHR has given the time away meanwhile, ends with the patient told', async () => {
    const s = await clinicInBothSystems();
    const { id, ehrId } = await confirmedBooking(s);
    await deleteInEhr(ehrId, 'busy');
    await reconcileClinic(s);
    const [found] = await open(s);
    expect((await resolve(s, found?.id as string, { action: 'push_portal' })).statusCode).toBe(200);
    await drainOutbox(db(), gateway(), policy());
    expect((await appointment(id)).status).toBe('not_booked');
    expect((await mailTo(s.email)).map((m) => m.subject)).toEqual([
      'Your appointment is confirmed',
      'We could not book your appointment',
    ]);
    expect((await open(s)).map((d) => [d.type, d.subject_key])).toEqual([
      ['slot_booked_in_ehr', `Slot/${slot(s, 0).ehr}`],
    ]);
  });

  it('a booking sent again but cancelled before it left is never sent', async () => {
    const s = await clinicInBothSystems();
    const { id, ehrId } = await confirmedBooking(s);
    await deleteInEhr(ehrId);
    await reconcileClinic(s);
    const [found] = await open(s);
    await resolve(s, found?.id as string, { action: 'push_portal' });
    const cancel = await s.patient.post(`/api/appointments/${id}/cancel`, { reason: 'Better' });
    expect(cancel.statusCode).toBe(200);
    expect((await outboxOf(s)).map((o) => [o.kind, o.status])).toEqual([
      ['appointment.book', 'confirmed'],
      ['appointment.book', 'discarded'],
    ]);
    expect((await gateway().read<Slot>('Slot', slot(s, 0).ehr))?.status).toBe('free');
  });
});

describe('slots the EHR filled behind the portal', () => {
  /** The front desk books a time in the EHR for someone else. */
  async function bookedAtTheFrontDesk(s: Setup, at: PortalSlot) {
    await gateway().create<Appointment>({
      resourceType: 'Appointment',
      status: 'booked',
      slot: [{ reference: `Slot/${at.ehr}` }],
      start: at.starts_at.toISOString(),
      end: at.ends_at.toISOString(),
      participant: [
        { actor: { reference: `Practitioner/${s.practitionerId}` }, status: 'accepted' },
      ],
    });
  }

  const free = async (s: Setup) =>
    (
      await db()
        .selectFrom('slots')
        .select('id')
        .where('clinic_id', '=', s.clinic.id)
        .where('free', '=', true)
        .orderBy('starts_at')
        .execute()
    ).map((r) => r.id);

  it('a free one is marked taken in the portal: routine, not a discrepancy', async () => {
    const s = await clinicInBothSystems();
    await bookedAtTheFrontDesk(s, slot(s, 1));
    expect(await free(s)).toContain(slot(s, 1).id);
    await reconcileClinic(s);
    expect(await free(s)).toEqual([slot(s, 0).id, slot(s, 2).id, slot(s, 3).id]);
    expect(await open(s)).toEqual([]);
  });

  it("a request's time given to someone else is a discrepancy for staff to call the patient", async () => {
    const s = await clinicInBothSystems();
    const requested = await book(s, slot(s, 2).id, s.byRequest);
    expect((await appointment(requested)).status).toBe('requested');
    await bookedAtTheFrontDesk(s, slot(s, 2));
    await reconcileClinic(s);
    const [found, ...more] = await open(s);
    expect(more).toEqual([]);
    const times = {
      start: slot(s, 2).starts_at.toISOString(),
      end: slot(s, 2).ends_at.toISOString(),
    };
    expect(found).toMatchObject({
      type: 'slot_booked_in_ehr',
      subject_key: `Slot/${slot(s, 2).ehr}`,
      patient_id: s.patientId,
      severity: 'high',
      suggested_action: 'review',
      portal_version: { appointment: requested, status: 'requested', ...times },
      ehr_version: { slot: slot(s, 2).ehr, status: 'busy', ...times },
    });
    expect(await free(s)).not.toContain(slot(s, 2).id);
    expect((await resolve(s, found?.id as string, { action: 'take_ehr' })).statusCode).toBe(409);
    const res = await resolve(s, found?.id as string, {
      action: 'dismiss',
      note: 'Called the patient; they chose another time',
    });
    expect(res.statusCode).toBe(200);
  });

  it('a request whose time is still free agrees', async () => {
    const s = await clinicInBothSystems();
    await book(s, slot(s, 3).id, s.byRequest);
    const summary = await reconcileClinic(s);
    expect(summary.found).toBe(0);
    expect(await free(s)).toContain(slot(s, 3).id);
  });
});

describe('when the EHR cannot be reached', () => {
  it('counts what could not be compared, and records nothing', async () => {
    const s = await clinicInBothSystems();
    await confirmedBooking(s);
    ehr.faults = { failNext: 1000, status: 503 };
    try {
      const summary = await reconcileClinic(s);
      expect(summary.errors).toBeGreaterThanOrEqual(2);
      expect(summary.found).toBe(0);
    } finally {
      ehr.faults = {};
    }
    expect(await open(s)).toEqual([]);
  });
});

describe('comparing one appointment', () => {
  const portal = {
    status: 'booked',
    start: '2026-03-09T13:00:00.000Z',
    end: '2026-03-09T13:30:00.000Z',
    practitioner: 'Practitioner/p1',
  };

  it('reads the EHR in its own spelling: offsets, absolute and versioned references', () => {
    const theirs = ehrVersion({
      resourceType: 'Appointment',
      status: 'booked',
      start: '2026-03-09T09:00:00-04:00',
      end: '2026-03-09T09:30:00-04:00',
      participant: [
        { actor: { reference: 'Patient/x' }, status: 'accepted' },
        {
          actor: { reference: 'https://ehr.example.org/fhir/Practitioner/p1/_history/3' },
          status: 'accepted',
        },
      ],
    });
    expect(theirs).toEqual(portal);
    expect(appointmentChange(portal, theirs)).toBeNull();
  });

  it('calls an ending an ending whatever else changed, and any other difference a move', () => {
    for (const status of ['cancelled', 'noshow', 'entered-in-error'])
      expect(appointmentChange(portal, { ...portal, status, start: '' })).toBe('ended');
    expect(appointmentChange(portal, { ...portal, status: 'arrived' })).toBeNull();
    expect(appointmentChange(portal, { ...portal, end: '2026-03-09T13:45:00.000Z' })).toBe('moved');
    expect(appointmentChange(portal, { ...portal, practitioner: 'Practitioner/p2' })).toBe('moved');
    expect(appointmentChange(portal, { ...portal, practitioner: '' })).toBe('moved');
  });
});
