// Unread counts and read receipts: kept by the server per person, so every
// tab and device agrees; receipts say when the other side first read a
// message; internal notes and one's own side never count as unread.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markRead } from '../src/modules/messaging/reads.ts';
import { type TestApp, testApp } from './support/app.ts';
import { createUser, signedInClient } from './support/factories.ts';
import {
  anotherSession,
  caregiverOf,
  messagingClinic,
  messagingPatient,
  messagingStaff,
  staffReads,
  staffWrites,
  startConversation,
} from './support/messaging.ts';

let t: TestApp;
let clinic: { id: string };
let nurse: Awaited<ReturnType<typeof messagingStaff>>;
const db = () => t.database.db;

beforeAll(async () => {
  t = await testApp();
  clinic = await messagingClinic(db());
  nurse = await messagingStaff(t, clinic.id, 'nurse');
});
afterAll(() => t?.close());

const unread = async (client: { get(url: string): Promise<{ json(): { unread: number } }> }) =>
  (await client.get('/api/messages/unread')).json().unread;
const staffUnread = async (client: { get(url: string): Promise<{ json(): { unread: number } }> }) =>
  (await client.get('/api/staff/messages/unread')).json().unread;

describe('the unread count', () => {
  it('drops in every session of the patient once one of them reads', async () => {
    const me = await messagingPatient(t, clinic.id);
    const laptop = me.client;
    const phone = await anotherSession(t, me);
    const a = await startConversation(me, clinic.id, { subject: 'A' });
    const b = await startConversation(me, clinic.id, { subject: 'B' });
    await staffWrites(t, a.id, nurse.userId, 'First answer');
    await staffWrites(t, a.id, nurse.userId, 'Second answer');
    await staffWrites(t, b.id, nurse.userId, 'Answer on B');
    expect([await unread(laptop), await unread(phone)]).toEqual([3, 3]);
    const list = (await phone.get('/api/messages/threads')).json().threads;
    expect(
      Object.fromEntries(list.map((x: { id: string; unread: number }) => [x.id, x.unread])),
    ).toEqual({ [a.id]: 2, [b.id]: 1 });

    const opened = await laptop.get(`/api/messages/threads/${a.id}`);
    expect(opened.statusCode).toBe(200);
    expect([await unread(laptop), await unread(phone)]).toEqual([1, 1]);
    await phone.get(`/api/messages/threads/${b.id}`);
    expect([await unread(laptop), await unread(phone)]).toEqual([0, 0]);

    await staffWrites(t, b.id, nurse.userId, 'One more thing');
    expect([await unread(laptop), await unread(phone)]).toEqual([1, 1]);
  });

  it('counts only the care team’s messages, never the patient’s own or internal notes', async () => {
    const me = await messagingPatient(t, clinic.id);
    const thread = await startConversation(me, clinic.id);
    await me.client.post(`/api/messages/threads/${thread.id}/messages`, { body: 'And also…' });
    await staffWrites(t, thread.id, nurse.userId, 'Note for the doctor', true);
    expect(await unread(me.client)).toBe(0);
  });

  it('is each person’s own: a caregiver reading leaves the patient’s count as it was', async () => {
    const child = await messagingPatient(t, clinic.id);
    const parent = await caregiverOf(t, child.id);
    const thread = await startConversation(child, clinic.id);
    await staffWrites(t, thread.id, nurse.userId, 'Please come in on Monday.');
    expect([await unread(child.client), await unread(parent.client)]).toEqual([1, 1]);
    await parent.client.get(`/api/messages/threads/${thread.id}`);
    expect([await unread(child.client), await unread(parent.client)]).toEqual([1, 0]);
  });

  it('counts for staff the patient messages in their pools they have not read', async () => {
    const nurse2 = await messagingStaff(t, clinic.id, 'nurse');
    const desk = await messagingStaff(t, clinic.id, 'front_desk');
    const elsewhere = await messagingStaff(t, (await messagingClinic(db())).id, 'nurse');
    const me = await messagingPatient(t, clinic.id);
    const before = await staffUnread(nurse2.client);
    const medical = await startConversation(me, clinic.id, { topic: 'medical' });
    await me.client.post(`/api/messages/threads/${medical.id}/messages`, { body: 'Also this.' });
    await staffWrites(t, medical.id, nurse.userId, 'A colleague’s reply');
    await staffWrites(t, medical.id, nurse.userId, 'A colleague’s note', true);
    expect(await staffUnread(nurse2.client)).toBe(before + 2);
    // The medical pool is the nurses' and providers', not the front desk's or another clinic's.
    const deskBefore = await staffUnread(desk.client);
    expect(await staffUnread(elsewhere.client)).toBe(0);
    await staffReads(t, medical.id, nurse2.userId);
    expect(await staffUnread(nurse2.client)).toBe(before);
    await startConversation(me, clinic.id, { topic: 'appointment' });
    expect(await staffUnread(desk.client)).toBe(deskBefore + 1);
    expect(await staffUnread(nurse2.client)).toBe(before);
  });

  it('counts for a clinic admin every pool of the clinic, and for anyone the threads assigned to them', async () => {
    const admin = await messagingStaff(t, clinic.id, 'clinic_admin');
    const desk = await messagingStaff(t, clinic.id, 'front_desk');
    const me = await messagingPatient(t, clinic.id);
    const [adminBefore, deskBefore] = [
      await staffUnread(admin.client),
      await staffUnread(desk.client),
    ];
    const medical = await startConversation(me, clinic.id, { topic: 'medical' });
    await startConversation(me, clinic.id, { topic: 'appointment' });
    // The admin reads every pool (the pools name no clinic_admin but billing's).
    expect(await staffUnread(admin.client)).toBe(adminBefore + 2);
    expect(await staffUnread(desk.client)).toBe(deskBefore + 1);
    const assigned = await nurse.client.post(`/api/staff/messages/threads/${medical.id}/assign`, {
      userId: desk.userId,
    });
    expect(assigned.statusCode).toBe(200);
    expect(await staffUnread(desk.client)).toBe(deskBefore + 2);
  });

  it('keeps unread a message committed after the reading began, though older than its end', async () => {
    const me = await messagingPatient(t, clinic.id);
    const thread = await startConversation(me, clinic.id);
    const viewer = { userId: me.userId, staff: false };
    const shown = thread.messages.map((m) => m.id);
    // The care team's message was stamped (its transaction's start) a moment
    // before the patient's reading ended, but it was not among those shown.
    const late = await staffWrites(t, thread.id, nurse.userId, 'Written while you read');
    const stamp = (ids: string[], ago: string) =>
      db()
        .updateTable('messages')
        .set({ created_at: sql<Date>`now() - ${ago}::interval` })
        .where('id', 'in', ids)
        .execute();
    await stamp(shown, '1 minute');
    await stamp([late], '1 second');
    await markRead(db(), thread.id, viewer, shown);
    expect(await unread(me.client)).toBe(1);
    // A reading that did show it marks it read; an older reading never moves that back.
    await me.client.get(`/api/messages/threads/${thread.id}`);
    expect(await unread(me.client)).toBe(0);
    await markRead(db(), thread.id, viewer, shown);
    expect(await unread(me.client)).toBe(0);
  });

  it('is refused to patients on the staff route', async () => {
    const me = await messagingPatient(t, clinic.id);
    expect((await me.client.get('/api/staff/messages/unread')).statusCode).toBe(403);
  });
});

describe('a caregiver who has not chosen a record yet', () => {
  it('has nothing unread (not a 404 on every page)', async () => {
    const user = await createUser(db(), t.config, { roles: [{ role: 'proxy', clinicId: null }] });
    const res = await (await signedInClient(t, user)).get('/api/messages/unread');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ unread: 0 });
  });
});

describe('read receipts', () => {
  it('show when the other side first read each message', async () => {
    const me = await messagingPatient(t, clinic.id);
    const thread = await startConversation(me, clinic.id);
    const [{ id: mine }] = thread.messages as [{ id: string }];
    const receipt = async (id: string) => {
      const view = (await me.client.get(`/api/messages/threads/${thread.id}`)).json();
      return view.messages.find((m: { id: string }) => m.id === id).readAt as string | null;
    };
    expect(await receipt(mine)).toBeNull();
    // The patient's own reading is no receipt for their message.
    expect(await receipt(mine)).toBeNull();
    await staffReads(t, thread.id, nurse.userId);
    const seen = await receipt(mine);
    expect(seen).not.toBeNull();
    // Read again later: the receipt keeps the first time.
    await staffReads(t, thread.id, nurse.userId);
    expect(await receipt(mine)).toBe(seen);

    const answer = await staffWrites(t, thread.id, nurse.userId, 'Yes, with food.');
    const row = () =>
      db()
        .selectFrom('messages')
        .select('read_at')
        .where('id', '=', answer)
        .executeTakeFirstOrThrow();
    expect((await row()).read_at).toBeNull();
    // Staff reading their own side's message gives it no receipt.
    await staffReads(t, thread.id, nurse.userId);
    expect((await row()).read_at).toBeNull();
    await me.client.get(`/api/messages/threads/${thread.id}`);
    expect((await row()).read_at).not.toBeNull();
  });

  it('count a caregiver’s reading as the patient side’s', async () => {
    const child = await messagingPatient(t, clinic.id);
    const parent = await caregiverOf(t, child.id);
    const thread = await startConversation(child, clinic.id);
    const answer = await staffWrites(t, thread.id, nurse.userId, 'Bring the inhaler.');
    await parent.client.get(`/api/messages/threads/${thread.id}`);
    const row = await db()
      .selectFrom('messages')
      .select('read_at')
      .where('id', '=', answer)
      .executeTakeFirstOrThrow();
    expect(row.read_at).toBeInstanceOf(Date);
  });

  it('are never given to internal notes', async () => {
    const me = await messagingPatient(t, clinic.id);
    const thread = await startConversation(me, clinic.id);
    const note = await staffWrites(t, thread.id, nurse.userId, 'Internal only', true);
    await me.client.get(`/api/messages/threads/${thread.id}`);
    await staffReads(t, thread.id, nurse.userId);
    const row = await db()
      .selectFrom('messages')
      .select('read_at')
      .where('id', '=', note)
      .executeTakeFirstOrThrow();
    expect(row.read_at).toBeNull();
  });
});
