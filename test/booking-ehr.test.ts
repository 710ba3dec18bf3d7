// The EHR is the scheduler of record, and the front desk books in it too. A
// FHIR server this project did not write (medplum's, taking Slots like a real
// EHR) holds a clinic's Location, a clinician's Schedule and free Slots; the
// portal loads them and books through the outbox. When the EHR booked the
// time behind the portal's back, the patient is told at once, in the portal
// and by mail, and offered other times, and staff get a discrepancy. When the
// EHR merely fails for a while, the booking still lands there exactly once;
// a cancel frees the EHR's slot again; and a search reads the EHR first.
import type { Appointment, Slot } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PORTAL_IDENTIFIER_SYSTEM } from '../src/ehr/gateway/gateway.ts';
import { bookKey } from '../src/modules/scheduling/writeback.ts';
import { type TestApp, testApp } from './support/app.ts';
import type { Client } from './support/client.ts';
import { clinicScheduleInEhr, linkedPatient, type PortalSlot } from './support/ehr-clinic.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';
import { type FhirServer, startFhirServer } from './support/fhir-server.ts';
import { outboxGateway, quickPolicy, settleOutbox } from './support/outbox.ts';
import { createVisitType } from './support/scheduling.ts';

let t: TestApp;
let ehr: FhirServer;
const db = () => t.database.db;

const gateway = (timeoutMs = 5_000) => outboxGateway(ehr, timeoutMs);

const policy = () => quickPolicy(t.config);

beforeAll(async () => {
  // This portal has no live EHR link: a search reads only the local inventory.
  t = await testApp();
  ehr = await startFhirServer();
});
afterAll(async () => {
  await ehr?.close();
  await t?.close();
});

const CLINICIAN = { given: 'Marisol', family: 'Quintanilla' };
const PATIENT = { given: 'Rosalind', family: 'Featherstone' };

interface Setup {
  clinic: { id: string; name: string };
  visitTypeId: string;
  practitionerId: string;
  /** The portal's slots in time order, with the EHR's id of each. */
  slots: PortalSlot[];
  email: string;
  client: Client;
}

/**
 * A clinic in both systems: in the EHR a Location carrying the clinic's slug,
 * a clinician's Schedule there and six free half-hour Slots; in the portal the
 * clinic, a visit type, and a patient linked to their EHR record. The
 * portal's inventory is then loaded from the EHR.
 */
async function clinicInBothSystems(): Promise<Setup> {
  const clinic = await createClinic(db());
  const vt = await createVisitType(db(), clinic.id, []);
  const { practitionerId, slots } = await clinicScheduleInEhr(db(), gateway(), clinic, {
    clinician: CLINICIAN,
    slots: 6,
  });
  expect(slots).toHaveLength(6);
  const { user } = await linkedPatient(db(), gateway(), t.config, clinic.id, {
    givenName: PATIENT.given,
    familyName: PATIENT.family,
  });
  return {
    clinic,
    visitTypeId: vt.id,
    practitionerId,
    slots,
    email: user.email,
    client: await signedInClient(t, user),
  };
}

/** The front desk books a slot in the EHR directly, for someone else; the portal is not told. */
async function bookedAtTheFrontDesk(s: Setup, slot: Setup['slots'][number]) {
  await gateway().create<Appointment>({
    resourceType: 'Appointment',
    status: 'booked',
    slot: [{ reference: `Slot/${slot.ehr}` }],
    start: slot.starts_at.toISOString(),
    end: slot.ends_at.toISOString(),
    participant: [{ actor: { reference: `Practitioner/${s.practitionerId}` }, status: 'accepted' }],
  });
}

const offered = async (client: Client, s: Setup) => {
  const res = await client.get(
    `/api/scheduling/slots?clinicId=${s.clinic.id}&visitTypeId=${s.visitTypeId}`,
  );
  expect(res.statusCode).toBe(200);
  return (res.json().slots as { id: string }[]).map((x) => Number(x.id));
};

async function book(s: Setup, slotId: number): Promise<string> {
  const res = await s.client.post('/api/appointments', {
    slotId: String(slotId),
    visitTypeId: s.visitTypeId,
  });
  expect(res.statusCode).toBe(201);
  expect(res.json().status).toBe('confirming');
  return res.json().id;
}

const sendToEhr = (clinicId: string, gw = gateway()) => settleOutbox(db(), clinicId, gw, policy());

const mailTo = (email: string) =>
  db()
    .selectFrom('mail_outbox')
    .select(['subject', 'body', 'attachments'])
    .where('to_address', '=', email)
    .orderBy('created_at')
    .execute();

const status = async (s: Setup, id: string) => {
  const res = await s.client.get(`/api/appointments/${id}`);
  expect(res.statusCode).toBe(200);
  return res.json().status;
};

describe('a time the EHR booked behind the portal’s back', () => {
  it('ends with the patient told and offered other times, the slot taken, and a discrepancy for staff', async () => {
    const s = await clinicInBothSystems();
    const [taken, next] = s.slots as [Setup['slots'][number], Setup['slots'][number]];
    await bookedAtTheFrontDesk(s, taken);
    // The portal has not read the EHR since: it still offers the time, and takes the booking.
    expect(await offered(s.client, s)).toContain(taken.id);
    const id = await book(s, taken.id);

    await sendToEhr(s.clinic.id);

    const outbox = await db()
      .selectFrom('ehr_outbox')
      .select(['status', 'last_error'])
      .where('idempotency_key', '=', bookKey(id))
      .executeTakeFirstOrThrow();
    expect(outbox.status).toBe('dead');
    expect(outbox.last_error).toMatch(/409/);
    expect(await status(s, id)).toBe('not_booked');
    const search = await offered(s.client, s);
    expect(search).not.toContain(taken.id);
    expect(search[0]).toBe(next.id);

    const discrepancies = await db()
      .selectFrom('discrepancies')
      .select(['type', 'status', 'subject_key', 'severity'])
      .where('clinic_id', '=', s.clinic.id)
      .execute();
    expect(discrepancies).toEqual([
      {
        type: 'slot_booked_in_ehr',
        status: 'open',
        subject_key: `Slot/${taken.ehr}`,
        severity: 'high',
      },
    ]);

    const mail = await mailTo(s.email);
    expect(mail).toHaveLength(1);
    const [told] = mail as [(typeof mail)[number]];
    expect(told.subject).toBe('We could not book your appointment');
    expect(told.body).toContain(s.clinic.name);
    expect(told.body).toMatch(/taken/);
    expect(told.body).toContain(`/appointments/${id}`);
    for (const secret of [CLINICIAN.family, PATIENT.given, PATIENT.family, 'Office visit'])
      expect(`${told.subject}\n${told.body}`).not.toContain(secret);
    expect(told.attachments).toBeNull();
  });

  it('is not offered by a search once the portal reads the searched window from the EHR', async () => {
    const s = await clinicInBothSystems();
    const taken = s.slots[2] as Setup['slots'][number];
    await bookedAtTheFrontDesk(s, taken);
    expect(await offered(s.client, s)).toContain(taken.id);

    const linked = await testApp({ database: t.database, ehr: gateway() });
    try {
      const user = await db()
        .selectFrom('users')
        .select('id')
        .where('email', '=', s.email)
        .executeTakeFirstOrThrow();
      const search = await offered(await signedInClient(linked, user), s);
      expect(search).not.toContain(taken.id);
      expect(search).toEqual(s.slots.filter((x) => x !== taken).map((x) => x.id));
    } finally {
      await linked.close();
    }
  });
});

describe('a patient not yet linked to their EHR record', () => {
  it('cannot book while the portal has an EHR link, and nothing is written', async () => {
    const s = await clinicInBothSystems();
    const patient = await createPatient(db(), { clinicId: s.clinic.id });
    const user = await createUser(db(), t.config, {
      roles: [{ role: 'patient', clinicId: null }],
      patientId: patient.id,
    });
    const linked = await testApp({ database: t.database, ehr: gateway() });
    try {
      const client = await signedInClient(linked, user);
      const res = await client.post('/api/appointments', {
        slotId: String(s.slots[0]?.id),
        visitTypeId: s.visitTypeId,
      });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('not_linked');
      const written = await db()
        .selectFrom('appointments')
        .select('id')
        .where('patient_id', '=', patient.id)
        .execute();
      expect(written).toEqual([]);
    } finally {
      await linked.close();
    }
  });
});

describe('a booking while the EHR is unsteady', () => {
  let s: Setup;
  let id: string;
  let ehrSlot: string;

  it('reaches the EHR exactly once after failed and lost attempts, and is confirmed with a calendar file', async () => {
    s = await clinicInBothSystems();
    ehrSlot = (s.slots[0] as Setup['slots'][number]).ehr;
    id = await book(s, (s.slots[0] as Setup['slots'][number]).id);
    // Two refusals, then one the EHR carries out but whose answer never arrives.
    ehr.faults = { failNext: 2, hangNext: 1, hangMs: 400 };

    await sendToEhr(s.clinic.id, gateway(200));

    const row = await db()
      .selectFrom('ehr_outbox')
      .select(['status', 'attempts', 'ehr_id'])
      .where('idempotency_key', '=', bookKey(id))
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('confirmed');
    expect(row.attempts).toBeGreaterThanOrEqual(4);
    const gw = gateway();
    const byKey = await gw.search<Appointment>('Appointment', {
      identifier: `${PORTAL_IDENTIFIER_SYSTEM}|${bookKey(id)}`,
    });
    expect(byKey.map((a) => a.id)).toEqual([row.ehr_id]);
    const onSlot = await gw.search<Appointment>('Appointment', { slot: `Slot/${ehrSlot}` });
    expect(onSlot).toHaveLength(1);
    expect((await gw.read<Slot>('Slot', ehrSlot))?.status).toBe('busy');
    expect(await status(s, id)).toBe('booked');

    const [confirmation] = await mailTo(s.email);
    expect(confirmation?.subject).toBe('Your appointment is confirmed');
    const files = confirmation?.attachments as { filename: string; content: string }[];
    expect(files.map((f) => f.filename)).toEqual(['appointment.ics']);
    expect(files[0]?.content).toContain('METHOD:PUBLISH');
  });

  it('is cancelled in the EHR when the patient cancels, and the EHR’s slot is free again', async () => {
    ehr.faults = {};
    const res = await s.client.post(`/api/appointments/${id}/cancel`, { reason: 'Feeling better' });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('cancelled');

    await sendToEhr(s.clinic.id);

    const gw = gateway();
    const [appointment] = await gw.search<Appointment>('Appointment', { slot: `Slot/${ehrSlot}` });
    expect(appointment?.status).toBe('cancelled');
    expect((await gw.read<Slot>('Slot', ehrSlot))?.status).toBe('free');
    const mail = await mailTo(s.email);
    expect(mail.map((m) => m.subject)).toEqual([
      'Your appointment is confirmed',
      'Your appointment was cancelled',
    ]);
    const files = mail[1]?.attachments as { content: string }[];
    expect(files[0]?.content).toContain('METHOD:CANCEL');
  });
});
