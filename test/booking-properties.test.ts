// Random sequences of hold, book, reschedule, cancel and hold expiry by
// several patients over a dozen slots (two providers whose times overlap, so
// a patient can hold two slots at once that the no-overlap rule forbids them
// to book both), some commands at the same moment. After every step the
// tables must keep the promises: one live appointment per slot, no patient
// with overlapping appointments, and every slot nobody has or holds offered
// by the search again. A single command's refusal must be the one the rules
// give for the state before it; concurrent ones may only be clear refusals.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Actor,
  bookAppointment,
  cancelAppointment,
  holdSlot,
  rescheduleAppointment,
} from '../src/modules/scheduling/booking.ts';
import { searchSlots } from '../src/modules/scheduling/search.ts';
import { LIVE, RELEASED } from '../src/modules/scheduling/tables.ts';
import type { AuditSource } from '../src/platform/audit/audit.ts';
import { ApiError } from '../src/platform/errors.ts';
import { type TestDatabase, testDatabase } from './support/database.ts';
import { createClinic, createPatient } from './support/factories.ts';
import { createProvider, createSlots, createVisitType, daysFromNow } from './support/scheduling.ts';

const PATIENTS = 5;
const SLOTS_PER_PROVIDER = 6;
const MAX_FUTURE = 2;
/** The refusals these commands may meet; anything else (a 500) fails the test. */
const REFUSALS = ['slot_taken', 'overlapping', 'too_many_bookings', 'not_changeable'];

let database: TestDatabase;
const db = () => database.db;

beforeAll(async () => {
  database = await testDatabase();
});
afterAll(() => database?.close());

type Command =
  | { kind: 'hold' | 'book'; patient: number; slot: number }
  | { kind: 'reschedule'; patient: number; pick: number; slot: number }
  | { kind: 'cancel'; patient: number; pick: number }
  | { kind: 'expire'; slot: number };

const patientIx = fc.nat(PATIENTS - 1);
const slotIx = fc.nat(2 * SLOTS_PER_PROVIDER - 1);
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('hold'), patient: patientIx, slot: slotIx }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('book'), patient: patientIx, slot: slotIx }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('reschedule'),
      patient: patientIx,
      pick: fc.nat(5),
      slot: slotIx,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('cancel'), patient: patientIx, pick: fc.nat(5) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire'), slot: slotIx }) },
) as fc.Arbitrary<Command>;
/** One command alone, or two or three at the same moment. */
const step = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(command) },
  { weight: 2, arbitrary: fc.array(command, { minLength: 2, maxLength: 3 }) },
);

interface World {
  clinicId: string;
  visitTypeId: string;
  slots: number[];
  patients: { id: string; actor: Actor }[];
}

/** A clinic of its own per run: provider B's half hours start 15 minutes into provider A's. */
async function newWorld(): Promise<World> {
  const clinic = await createClinic(db());
  const a = await createProvider(db(), clinic.id);
  const b = await createProvider(db(), clinic.id);
  const vt = await createVisitType(db(), clinic.id, [a.id, b.id], {
    max_future_bookings: MAX_FUTURE,
  });
  const start = daysFromNow(3);
  const slots = [
    ...(await createSlots(db(), {
      clinicId: clinic.id,
      providerId: a.id,
      from: start,
      count: SLOTS_PER_PROVIDER,
    })),
    ...(await createSlots(db(), {
      clinicId: clinic.id,
      providerId: b.id,
      from: new Date(start.getTime() + 15 * 60_000),
      count: SLOTS_PER_PROVIDER,
    })),
  ];
  const patients = [];
  for (let i = 0; i < PATIENTS; i++) {
    const patient = await createPatient(db(), { clinicId: clinic.id });
    // booked_by names a user; no password is needed to call the service directly.
    const user = await db()
      .insertInto('users')
      .values({
        email: `prop-${randomUUID()}@example.org`,
        display_name: 'Property patient',
        patient_id: patient.id,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const source: AuditSource = {
      actorUserId: user.id,
      actorRole: 'patient',
      actingForPatientId: null,
      ip: '203.0.113.7',
      userAgent: 'property-test',
      requestId: null,
    };
    patients.push({ id: patient.id, actor: { source, userId: user.id, byStaff: false } });
  }
  return { clinicId: clinic.id, visitTypeId: vt.id, slots, patients };
}

interface Snapshot {
  appointments: {
    id: string;
    patient_id: string;
    slot_id: number;
    status: string;
    starts_at: Date;
    ends_at: Date;
  }[];
  holds: { slot_id: number; patient_id: string }[];
  slots: Map<number, { starts_at: Date; ends_at: Date }>;
}

/** The clinic's appointments, unexpired holds and slots, straight from the tables. */
async function snapshot(w: World): Promise<Snapshot> {
  const appointments = await db()
    .selectFrom('appointments')
    .select(['id', 'patient_id', 'slot_id', 'status', 'starts_at', 'ends_at'])
    .where('clinic_id', '=', w.clinicId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const holds = await db()
    .selectFrom('slot_holds')
    .select(['slot_id', 'patient_id'])
    .where('slot_id', 'in', w.slots)
    .where('expires_at', '>', sql<Date>`now()`)
    .execute();
  const slotRows = await db()
    .selectFrom('slots')
    .select(['id', 'starts_at', 'ends_at'])
    .where('id', 'in', w.slots)
    .execute();
  return { appointments, holds, slots: new Map(slotRows.map((s) => [s.id, s])) };
}

const isLive = (status: string) => !RELEASED.includes(status as never);
const overlaps = (a: { starts_at: Date; ends_at: Date }, b: { starts_at: Date; ends_at: Date }) =>
  a.starts_at < b.ends_at && b.starts_at < a.ends_at;

/** A command with its patient, slot and appointment resolved against the state before the step. */
interface Resolved {
  c: Command;
  patientId?: string;
  slotId: number;
  appointmentId?: string;
}

function resolve(w: World, s: Snapshot, c: Command): Resolved | null {
  const slotId = 'slot' in c ? (w.slots[c.slot] as number) : 0;
  if (c.kind === 'expire') return { c, slotId };
  const patientId = w.patients[c.patient]?.id as string;
  if (!('pick' in c)) return { c, patientId, slotId };
  const own = s.appointments.filter((a) => a.patient_id === patientId);
  const picked = own[c.pick % Math.max(own.length, 1)];
  return picked ? { c, patientId, slotId, appointmentId: picked.id } : null;
}

/** What the clinic's rules say a lone command should meet: null for success, else the refusal's code. */
function expected(s: Snapshot, r: Resolved): string | null {
  if (r.c.kind === 'expire') return null;
  const mine = s.appointments.filter((a) => a.patient_id === r.patientId && isLive(a.status));
  if (r.c.kind === 'cancel') {
    const a = s.appointments.find((x) => x.id === r.appointmentId);
    return a && LIVE.includes(a.status as never) ? null : 'not_changeable';
  }
  const moving = r.c.kind === 'reschedule' ? r.appointmentId : undefined;
  if (moving && !mine.some((a) => a.id === moving)) return 'not_changeable';
  const taken =
    s.appointments.some((a) => a.slot_id === r.slotId && isLive(a.status)) ||
    s.holds.some((h) => h.slot_id === r.slotId && h.patient_id !== r.patientId);
  if (taken) return 'slot_taken';
  const others = mine.filter((a) => a.id !== moving);
  if (others.length >= MAX_FUTURE) return 'too_many_bookings';
  if (r.c.kind === 'hold') return null;
  const slot = s.slots.get(r.slotId) as { starts_at: Date; ends_at: Date };
  return others.some((a) => overlaps(a, slot)) ? 'overlapping' : null;
}

async function run(w: World, r: Resolved): Promise<void> {
  const actor = w.patients[(r.c as { patient: number }).patient]?.actor as Actor;
  const patientId = r.patientId as string;
  switch (r.c.kind) {
    case 'hold':
      await holdSlot(db(), actor, { patientId, slotId: r.slotId, visitTypeId: w.visitTypeId });
      return;
    case 'book': {
      const booked = await bookAppointment(db(), actor, {
        patientId,
        slotId: r.slotId,
        visitTypeId: w.visitTypeId,
      });
      expect(booked.status).toBe('confirming');
      return;
    }
    case 'reschedule':
      await rescheduleAppointment(db(), actor, {
        id: r.appointmentId as string,
        scope: { patientId },
        slotId: r.slotId,
      });
      return;
    case 'cancel':
      await cancelAppointment(db(), actor, {
        id: r.appointmentId as string,
        scope: { patientId },
        reason: 'Property test',
      });
      return;
    case 'expire':
      // The hold's five minutes are over.
      await db()
        .updateTable('slot_holds')
        .set({ expires_at: sql<Date>`now() - interval '1 second'` })
        .where('slot_id', '=', r.slotId)
        .execute();
  }
}

/** The command's outcome: null when it went through, else the refusal's code (anything else is thrown). */
async function outcome(w: World, r: Resolved): Promise<string | null> {
  try {
    await run(w, r);
    return null;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    expect([404, 409]).toContain(err.status);
    expect(err.message.length).toBeGreaterThan(10);
    return err.code;
  }
}

async function checkInvariants(w: World): Promise<void> {
  const s = await snapshot(w);
  const live = s.appointments.filter((a) => isLive(a.status));
  // No slot with two live appointments.
  const perSlot = new Set(live.map((a) => a.slot_id));
  expect(perSlot.size).toBe(live.length);
  // No patient with two overlapping live appointments.
  for (const a of live)
    for (const b of live)
      if (a.id < b.id && a.patient_id === b.patient_id) expect(overlaps(a, b)).toBe(false);
  // Every slot nobody has or holds is offered again; no other slot is.
  const open = w.slots.filter((id) => !perSlot.has(id) && !s.holds.some((h) => h.slot_id === id));
  const q = { clinicId: w.clinicId, visitTypeId: w.visitTypeId, page: 1 };
  const { page } = await searchSlots(db(), q, {});
  expect(page.slots.map((x) => Number(x.id)).sort((x, y) => x - y)).toEqual(
    open.sort((x, y) => x - y),
  );
}

async function play(steps: Command[][]): Promise<void> {
  const w = await newWorld();
  for (const commands of steps) {
    const before = await snapshot(w);
    const resolved = commands.flatMap((c) => resolve(w, before, c) ?? []);
    const outcomes = await Promise.all(resolved.map((r) => outcome(w, r)));
    if (resolved.length === 1) {
      expect(outcomes[0], JSON.stringify(resolved[0]?.c)).toBe(
        expected(before, resolved[0] as Resolved),
      );
    } else for (const o of outcomes) if (o) expect(REFUSALS).toContain(o);
    await checkInvariants(w);
  }
}

describe('booking under random commands', () => {
  it('never double-books a slot or a patient, frees every released slot, and refuses clearly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 20 }), (steps) => play(steps)),
      { numRuns: 40 },
    );
  }, 120_000);
});
