// Patients' slot searches answered from memory: the same times the database
// would give, forgotten the moment anything about them changes, whoever
// changes it, and cut by the clock and the patient's own holds as each
// search is answered.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type Candidate,
  OpenTimesMemory,
  openNow,
  type SearchKey,
  type WindowAnswer,
} from '../src/modules/scheduling/open-times-memory.ts';
import type { OpenTimesChange } from '../src/platform/db/open-times-changes.ts';
import { secondInstance, type TestApp, testApp } from './support/app.ts';
import type { Client } from './support/client.ts';
import { serverUrl } from './support/database.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';
import { createProvider, createSlots, createVisitType, daysFromNow } from './support/scheduling.ts';

let t: TestApp;
let clinicId: string;
const db = () => t.database.db;

beforeAll(async () => {
  t = await testApp();
  clinicId = (await createClinic(db())).id;
});
afterAll(() => t.close());

/** A provider offering a new visit type, with `count` half hours from two days out. */
async function provision(count = 6) {
  const provider = await createProvider(db(), clinicId);
  const { id: visitTypeId } = await createVisitType(db(), clinicId, [provider.id]);
  const slotIds = await createSlots(db(), {
    clinicId,
    providerId: provider.id,
    from: daysFromNow(2),
    count,
  });
  return { providerId: provider.id, visitTypeId, slotIds };
}

async function patient(app: TestApp = t) {
  const { id: patientId } = await createPatient(db(), { clinicId });
  const user = await createUser(db(), t.config, {
    roles: [{ role: 'patient', clinicId: null }],
    patientId,
  });
  return { patientId, client: await signedInClient(app, user) };
}

/** The ids of the open times a patient's search finds, or its refusal's status. */
async function found(client: Client, visitTypeId: string, providerId?: string) {
  const res = await client.get(
    `/api/scheduling/slots?${new URLSearchParams({ clinicId, visitTypeId, ...(providerId ? { providerId } : {}) })}`,
  );
  if (res.statusCode !== 200) return res.statusCode;
  return (res.json() as { slots: { id: string }[] }).slots.map((s) => Number(s.id));
}

/**
 * Every change so far has been heard: a marker sent now arrives after them
 * (notices come in commit order), so a late one cannot forget what a test keeps next.
 */
async function settled() {
  let heard = false;
  const stop = await t.database.openTimesChanges.watch({
    changed: (what) => {
      if (what && 'providerId' in what && what.providerId === 'settled') heard = true;
    },
    hearing: () => {},
  });
  try {
    await sql`select pg_notify('open_times_change', ${`${clinicId} settled`})`.execute(db());
    await vi.waitFor(() => expect(heard).toBe(true));
  } finally {
    await stop();
  }
}

/** Searches answered so far, by where from. */
async function searches(app: TestApp['app']) {
  const metric = app.metricsRegistry.getSingleMetric('slot_searches_total');
  const values = (await metric?.get())?.values ?? [];
  const count = (from: string) => values.find((v) => v.labels.answered_from === from)?.value ?? 0;
  return { memory: count('memory'), database: count('database') };
}

describe('a patient’s slot search', () => {
  it('is answered from memory when asked again, for them and for other patients', async () => {
    const { visitTypeId, slotIds } = await provision();
    const one = await patient();
    const two = await patient();
    await settled();
    const before = await searches(t.app);
    expect(await found(one.client, visitTypeId)).toEqual(slotIds);
    expect(await found(one.client, visitTypeId)).toEqual(slotIds);
    // The other patient's first search reads only their registration; then that is kept too.
    expect(await found(two.client, visitTypeId)).toEqual(slotIds);
    expect(await found(two.client, visitTypeId)).toEqual(slotIds);
    const after = await searches(t.app);
    expect(after.database - before.database).toBe(1);
    expect(after.memory - before.memory).toBe(3);
    // Someone who is not a patient there is refused, though the times are kept.
    const { id: elsewhere } = await createClinic(db());
    const stranger = await createPatient(db(), { clinicId: elsewhere });
    const user = await createUser(db(), t.config, {
      roles: [{ role: 'patient', clinicId: null }],
      patientId: stranger.id,
    });
    expect(await found(await signedInClient(t, user), visitTypeId)).toBe(404);
  });

  it('no longer offers a time the moment it is booked, here or by another writer', async () => {
    const { visitTypeId, slotIds, providerId } = await provision();
    const [first, second] = slotIds as [number, number];
    const booker = await patient();
    const searcher = await patient();
    expect(await found(searcher.client, visitTypeId)).toContain(first);
    const booked = await booker.client.post('/api/appointments', {
      slotId: String(first),
      visitTypeId,
    });
    expect(booked.statusCode).toBe(201);
    expect(await found(searcher.client, visitTypeId)).not.toContain(first);
    // The EHR sync marks a slot busy (or an operator does, in SQL): heard by
    // notice, a moment after the commit on PostgreSQL; the kept answer loses it.
    await sql`update slots set free = false where id = ${second}`.execute(db());
    await vi.waitFor(async () =>
      expect(await found(searcher.client, visitTypeId)).not.toContain(second),
    );
    expect(await found(searcher.client, visitTypeId, providerId)).not.toContain(second);
  });

  it('hides a time another patient holds, but not from the holder, and shows it again when the hold is let go', async () => {
    const { visitTypeId, slotIds } = await provision();
    const first = slotIds[0] as number;
    const holder = await patient();
    const other = await patient();
    expect(await found(other.client, visitTypeId)).toContain(first);
    const held = await holder.client.post('/api/appointments/holds', {
      slotId: String(first),
      visitTypeId,
    });
    expect(held.statusCode).toBe(201);
    expect(await found(other.client, visitTypeId)).not.toContain(first);
    expect(await found(holder.client, visitTypeId)).toContain(first);
    await sql`delete from slot_holds where slot_id = ${first}`.execute(db());
    await vi.waitFor(async () => expect(await found(other.client, visitTypeId)).toContain(first));
  });

  it('still fills a page when many of the first times are held by others', async () => {
    const { visitTypeId, slotIds } = await provision(30);
    const { id: holderId } = await createPatient(db(), { clinicId });
    await db()
      .insertInto('slot_holds')
      .values(
        slotIds.slice(0, 10).map((slot_id) => ({
          slot_id,
          patient_id: holderId,
          visit_type_id: visitTypeId,
          expires_at: new Date(Date.now() + 600_000),
        })),
      )
      .execute();
    const searcher = await patient();
    const res = await searcher.client.get(
      `/api/scheduling/slots?${new URLSearchParams({ clinicId, visitTypeId })}`,
    );
    const page = res.json() as { slots: { id: string }[]; hasMore: boolean };
    expect(page.slots.map((s) => Number(s.id))).toEqual(slotIds.slice(10, 30));
    expect(page.hasMore).toBe(false);
  });

  it('is refused at once when the patient leaves the clinic, though it was kept', async () => {
    const { visitTypeId, slotIds } = await provision();
    const leaving = await patient();
    expect(await found(leaving.client, visitTypeId)).toEqual(slotIds);
    await sql`delete from patient_clinics where patient_id = ${leaving.patientId}`.execute(db());
    await vi.waitFor(async () => expect(await found(leaving.client, visitTypeId)).toBe(404));
  });

  it('follows the visit type’s rules as soon as an administrator changes them', async () => {
    const { visitTypeId } = await provision();
    const searcher = await patient();
    expect(Array.isArray(await found(searcher.client, visitTypeId))).toBe(true);
    await sql`update visit_types set booking = 'offline' where id = ${visitTypeId}`.execute(db());
    await vi.waitFor(async () => expect(await found(searcher.client, visitTypeId)).toBe(404));
  });
});

describe('two instances', () => {
  let second: TestApp;
  beforeAll(async () => {
    second = await secondInstance(t);
  });
  afterAll(() => second.close());

  it('a time booked through one is no longer offered by the other, which had it in memory', async () => {
    const { visitTypeId, slotIds } = await provision();
    const first = slotIds[0] as number;
    const searcher = await patient(second);
    expect(await found(searcher.client, visitTypeId)).toContain(first);
    expect(await found(searcher.client, visitTypeId)).toContain(first); // now from memory
    const booker = await patient();
    const booked = await booker.client.post('/api/appointments', {
      slotId: String(first),
      visitTypeId,
    });
    expect(booked.statusCode).toBe(201);
    await vi.waitFor(async () =>
      expect(await found(searcher.client, visitTypeId)).not.toContain(first),
    );
  });
});

describe('changes to open times', () => {
  it('are told by the database by clinic and provider, and not when open times stay as they were', async () => {
    const { providerId, visitTypeId, slotIds } = await provision();
    const [first, second] = slotIds as [number, number];
    const { id: patientId } = await createPatient(db(), { clinicId });
    const heard: (OpenTimesChange | null)[] = [];
    const stop = await t.database.openTimesChanges.watch({
      changed: (what) => heard.push(what),
      hearing: () => {},
    });
    const told = async (statement: ReturnType<typeof sql>) => {
      await settled();
      heard.length = 0;
      await statement.execute(db());
      await settled();
      return heard.filter(
        (what) => !(what && 'providerId' in what && what.providerId === 'settled'),
      );
    };
    try {
      const mine = { clinicId, providerId };
      expect(await told(sql`update slots set seen_at = now() where id = ${first}`)).toEqual([]);
      expect(await told(sql`update slots set free = false where id = ${first}`)).toEqual([
        { slotId: first, taken: true },
      ]);
      const hold = sql`insert into slot_holds (slot_id, patient_id, visit_type_id, expires_at)
        values (${second}, ${patientId}, ${visitTypeId}, now() + interval '5 minutes')`;
      expect(await told(hold)).toEqual([{ slotId: second }]);
      const booked = await told(sql`insert into appointments (clinic_id, patient_id, provider_id,
          visit_type_id, slot_id, starts_at, ends_at, mode, status)
        select clinic_id, ${patientId}, provider_id, ${visitTypeId}, id, starts_at, ends_at,
          'in_person', 'confirming' from slots where id = ${second}`);
      expect(booked).toEqual([{ slotId: second, taken: true }]);
      expect(
        await told(sql`update appointments set status = 'booked' where slot_id = ${second}`),
      ).toEqual([]);
      expect(
        await told(sql`update appointments set status = 'cancelled', cancelled_at = now()
          where slot_id = ${second}`),
      ).toEqual([mine]);
      expect(
        await told(sql`update visit_types set max_days_ahead = 60 where id = ${visitTypeId}`),
      ).toEqual([{ clinicId }]);
    } finally {
      await stop();
    }
  });

  it('are told by this process at once when it writes: by slot for holds and bookings, else as any clinic’s', async () => {
    const { slotIds, visitTypeId } = await provision();
    const first = slotIds[0] as number;
    const booker = await patient();
    await settled();
    const heard: (OpenTimesChange | null)[] = [];
    const stop = await t.database.openTimesChanges.watch({
      changed: (what) => heard.push(what),
      hearing: () => {},
    });
    try {
      await db().selectFrom('slots').select('id').where('id', '=', -1).execute();
      await db().updateTable('slots').set({ free: false }).where('id', '=', -1).execute();
      expect(heard).toEqual([]); // a read, and a write that changed no row
      const body = { slotId: String(first), visitTypeId };
      expect((await booker.client.post('/api/appointments/holds', body)).statusCode).toBe(201);
      const booked = await booker.client.post('/api/appointments', body);
      expect(booked.statusCode).toBe(201);
      // Before each promise settled (on PostgreSQL, ahead of the notices by clinic and provider).
      expect(heard).toContainEqual({ slotId: first });
      expect(heard).toContainEqual({ slotId: first, taken: true });
      expect(heard).not.toContain(null);
      const cancelled = await booker.client.post(
        `/api/appointments/${(booked.json() as { id: string }).id}/cancel`,
        { reason: 'Feeling better' },
      );
      expect(cancelled.statusCode).toBe(200);
      expect(heard).toContain(null); // a released appointment can put its slot back anywhere
    } finally {
      await stop();
    }
  });
});

describe('the memory itself', () => {
  const HOUR = 3_600_000;
  const at = Date.parse('2026-12-01T15:00:00Z');
  const time = (hours: number, heldBy: string | null = null, heldFor = 0): Candidate => ({
    slotId: hours,
    view: {
      id: String(hours),
      startsAt: new Date(at + hours * HOUR).toISOString(),
      endsAt: new Date(at + hours * HOUR + HOUR / 2).toISOString(),
      providerId: 'p',
      providerName: 'Dr. P',
    },
    startsAt: at + hours * HOUR,
    heldBy,
    heldUntil: heldBy ? at + heldFor : 0,
  });
  const answer = (candidates: Candidate[], leadMinutes = 0): WindowAnswer => ({
    timeZone: 'America/New_York',
    leadMinutes,
    from: new Date(at),
    to: new Date(at + 48 * HOUR),
    candidates,
    complete: true,
  });
  const search = (providerId?: string, patientId = 'me'): SearchKey => ({
    key: `vt|${providerId ?? ''}`,
    clinicId: 'c1',
    providerId,
    patientId,
  });
  const ids = (open: Candidate[]) => open.map((c) => Number(c.view.id));

  function memory(ttlMs = 30_000) {
    let now = at;
    const m = new OpenTimesMemory(ttlMs, () => now);
    m.hearing(true);
    return { m, later: (ms: number) => (now += ms) };
  }

  it('cuts the kept times by the lead time as the clock moves, and by others’ live holds', () => {
    const kept = answer(
      [time(1), time(2, 'someone', HOUR), time(3, 'me', HOUR), time(4, 'someone', HOUR)],
      90,
    );
    // 90 minutes' lead: 1 o'clock is too soon; 2 and 4 are someone else's for an hour.
    expect(ids(openNow(kept, 'me', at))).toEqual([3]);
    expect(ids(openNow(kept, 'someone', at))).toEqual([2, 4]);
    // An hour on: 2 o'clock is too soon, and the hold on 4 has run out.
    expect(ids(openNow(kept, 'me', at + HOUR))).toEqual([3, 4]);
  });

  it('keeps an answer for half to all of its lifetime, and the patient’s registration with it', () => {
    const { m, later } = memory();
    const kept = answer([time(1)]);
    m.keep(search(), m.mark, kept);
    expect(m.recall(search())).toBe(kept);
    expect([m.isRegistered(search()), m.isRegistered(search(undefined, 'a stranger'))]).toEqual([
      true,
      false,
    ]);
    later(14_999); // at least half its lifetime
    expect(m.recall(search())).toBe(kept);
    later(15_001); // at most all of it
    expect([m.recall(search()), m.isRegistered(search())]).toEqual([undefined, false]);
  });

  it('forgets a provider’s answers and those for any provider, or the whole clinic’s', () => {
    const { m } = memory();
    for (const p of [undefined, 'p1', 'p2']) m.keep(search(p), m.mark, answer([time(1)]));
    m.changed({ clinicId: 'c2', providerId: 'p1' });
    expect(m.recall(search('p1'))).toBeDefined();
    m.changed({ clinicId: 'c1', providerId: 'p1' });
    expect([m.recall(search()), m.recall(search('p1'))]).toEqual([undefined, undefined]);
    expect(m.recall(search('p2'))).toBeDefined();
    m.changed({ clinicId: 'c1' });
    expect(m.recall(search('p2'))).toBeUndefined();
  });

  it('forgets the answers listing a slot whose hold changed, and takes a taken slot out of them', () => {
    const { m } = memory();
    const of = (provider: string, ...hours: number[]) =>
      answer(hours.map((h) => ({ ...time(h), view: { ...time(h).view, providerId: provider } })));
    m.keep(search('p1'), m.mark, of('p1', 1, 2));
    m.keep(search('p2'), m.mark, of('p2', 3));
    m.keep(search(), m.mark, of('p1', 1, 2));
    m.changed({ slotId: 99, taken: true }); // in no answer
    m.changed({ slotId: 1, taken: true });
    const hours = (a?: WindowAnswer) => a?.candidates.map((c) => c.slotId);
    expect([hours(m.recall(search('p1'))), hours(m.recall(search()))]).toEqual([[2], [2]]);
    m.changed({ slotId: 2 }); // its hold changed
    expect([m.recall(search('p1')), m.recall(search())]).toEqual([undefined, undefined]);
    expect(hours(m.recall(search('p2')))).toEqual([3]);
  });

  it('does not keep a read that a change touching it overtook, nor anything while it cannot hear', () => {
    const { m } = memory();
    const overtaken = (change: OpenTimesChange, providerId?: string) => {
      const mark = m.mark;
      m.changed(change);
      m.keep(search(providerId), mark, answer([time(1)]));
      const kept = m.recall(search(providerId)) !== undefined;
      m.changed(null);
      return !kept;
    };
    expect(overtaken({ clinicId: 'elsewhere' })).toBe(false);
    expect(overtaken({ clinicId: 'c1', providerId: 'p2' }, 'p1')).toBe(false);
    expect(overtaken({ slotId: 2 })).toBe(false);
    expect(overtaken({ clinicId: 'c1', providerId: 'p1' }, 'p1')).toBe(true);
    expect(overtaken({ clinicId: 'c1', providerId: 'p1' })).toBe(true); // any provider's
    expect(overtaken({ clinicId: 'c1' }, 'p1')).toBe(true);
    expect(overtaken({ slotId: 1 })).toBe(true);
    // A registration read is overtaken only by a change to the whole clinic.
    const registered = (change: OpenTimesChange, patientId: string) => {
      const mark = m.mark;
      m.changed(change);
      m.keepRegistered(search(undefined, patientId), mark);
      return m.isRegistered(search(undefined, patientId));
    };
    expect(registered({ clinicId: 'c1', providerId: 'p1' }, 'new')).toBe(true);
    expect(registered({ clinicId: 'c1' }, 'newer')).toBe(false);
    m.hearing(false);
    m.keep(search(), m.mark, answer([time(1)]));
    expect(m.recall(search())).toBeUndefined();
    m.hearing(true);
    m.keep(search(), m.mark, answer([time(1)]));
    expect(m.recall(search())).toBeDefined();
    m.changed(null);
    expect(m.recall(search())).toBeUndefined();
  });
});

describe.skipIf(!serverUrl)('when the listening connection is lost (PostgreSQL)', () => {
  it('searches the database until it listens again', async () => {
    const { visitTypeId, slotIds } = await provision();
    const searcher = await patient();
    expect(await found(searcher.client, visitTypeId)).toEqual(slotIds);
    await sql`select pg_terminate_backend(pid) from pg_stat_activity
      where application_name = 'patient-portal-listen'`.execute(db());
    const first = slotIds[0] as number;
    // While it cannot hear, a change by another writer is seen on the next search.
    await vi.waitFor(async () => {
      const before = await searches(t.app);
      await found(searcher.client, visitTypeId);
      const after = await searches(t.app);
      expect(after.database - before.database).toBe(1);
    });
    await sql`update slots set free = false where id = ${first}`.execute(db());
    expect(await found(searcher.client, visitTypeId)).not.toContain(first);
    // Back: kept again.
    await vi.waitFor(
      async () => {
        await found(searcher.client, visitTypeId);
        const before = await searches(t.app);
        await found(searcher.client, visitTypeId);
        expect((await searches(t.app)).memory - before.memory).toBe(1);
      },
      { timeout: 5_000 },
    );
  });
});
