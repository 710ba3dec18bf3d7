// Attachments: typed by their bytes (a program or a web page named .pdf is
// refused), too-large files refused before they are read, photos stripped
// of where they were taken, stored sealed, and downloaded only by the people
// in the thread: every download audited, every refusal a 404 that is audited.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentDisposition } from '../src/modules/messaging/attachment-routes.ts';
import {
  attachmentsOf,
  claimAttachments,
  cleanFileName,
  discardStaleUploads,
  MAX_UNSENT_PER_USER,
  sniffType,
  stripHeic,
  stripJpeg,
  stripPng,
} from '../src/modules/messaging/attachments.ts';
import { addDefaultPools } from '../src/modules/messaging/pools.ts';
import { MAX_ATTACHMENT_BYTES, type Topic } from '../src/modules/messaging/tables.ts';
import { sealText } from '../src/platform/crypto/envelope.ts';
import { type TestApp, testApp } from './support/app.ts';
import type { Client } from './support/client.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`fixtures/messaging/${name}`, import.meta.url));
const PDF = fixture('lab-results.pdf');
const JPEG = fixture('photo-with-gps.jpg');
const PNG = fixture('scan-with-text.png');
const HEIC = fixture('photo-with-gps.heic');
const PROGRAM = fixture('program-named.pdf');
const PAGE = fixture('page-named.pdf');

/** Bytes of the GPS latitude the photos carry (40/1 26/1 46/1, big-endian rationals). */
const LATITUDE = Buffer.concat(
  [40, 1, 26, 1, 46, 1].map((n) => Buffer.from(n.toString(16).padStart(8, '0'), 'hex')),
);
const has = (b: Buffer, text: string | Buffer) => b.includes(text);

let t: TestApp;
const db = () => t.database.db;
let clinicId: string;
interface Person {
  id: string;
  client: Client;
}
let patient: Person & { patientId: string };
let caregiver: Person;
let other: Person & { patientId: string };
let nurse: Person;
let desk: Person;
let stranger: Person;

async function person(
  roles: { role: 'patient' | 'proxy' | 'nurse' | 'front_desk'; clinicId: string | null }[],
  patientId?: string,
  actingFor?: string,
): Promise<Person> {
  const user = await createUser(db(), t.config, { roles, patientId });
  return {
    id: user.id,
    client: await signedInClient(t, user, { actingForPatientId: actingFor }),
  };
}

beforeAll(async () => {
  t = await testApp();
  clinicId = (await createClinic(db())).id;
  await addDefaultPools(db(), clinicId);
  const elsewhere = (await createClinic(db())).id;
  await addDefaultPools(db(), elsewhere);
  const a = await createPatient(db(), { clinicId });
  const b = await createPatient(db(), { clinicId });
  patient = { ...(await person([{ role: 'patient', clinicId }], a.id)), patientId: a.id };
  other = { ...(await person([{ role: 'patient', clinicId }], b.id)), patientId: b.id };
  caregiver = await person([{ role: 'proxy', clinicId: null }], undefined, a.id);
  await db()
    .insertInto('proxy_grants')
    .values({
      proxy_user_id: caregiver.id,
      patient_id: a.id,
      relationship: 'parent',
      expires_at: new Date(Date.now() + 86_400_000),
      granted_by: patient.id,
    })
    .execute();
  nurse = await person([{ role: 'nurse', clinicId }]);
  desk = await person([{ role: 'front_desk', clinicId }]);
  stranger = await person([{ role: 'nurse', clinicId: elsewhere }]);
});
afterAll(() => t?.close());

function upload(
  who: Person,
  bytes: Buffer | Readable,
  name = 'file.pdf',
  url = '/api/messages/attachments',
  headers: Record<string, string> = {},
) {
  return who.client.request({
    method: 'POST',
    url,
    payload: bytes,
    headers: {
      'content-type': 'application/octet-stream',
      'x-file-name': encodeURIComponent(name),
      ...headers,
    },
  });
}

/** A thread of the patient's in a pool, with one message carrying the uploads. */
async function sendInThread(
  p: { uploadedBy: string; ids: string[]; topic?: Topic; internal?: boolean; fromStaff?: boolean },
  patientId = patient.patientId,
) {
  const pool = await db()
    .selectFrom('message_pools')
    .select('id')
    .where('clinic_id', '=', clinicId)
    .where('topic', '=', p.topic ?? 'medical')
    .executeTakeFirstOrThrow();
  const subject = await sealText(db(), t.config, 'A question');
  const thread = await db()
    .insertInto('message_threads')
    .values({
      clinic_id: clinicId,
      patient_id: patientId,
      pool_id: pool.id,
      topic: p.topic ?? 'medical',
      subject: subject.data,
      key_id: subject.keyId,
      started_by: p.uploadedBy,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const body = await sealText(db(), t.config, 'Please see the file.');
  const message = await db()
    .insertInto('messages')
    .values({
      thread_id: thread.id,
      author_user_id: p.uploadedBy,
      from_staff: p.fromStaff ?? false,
      internal: p.internal ?? false,
      body: body.data,
      key_id: body.keyId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db()
    .transaction()
    .execute((trx) =>
      claimAttachments(trx, {
        ids: p.ids,
        uploadedBy: p.uploadedBy,
        patientId,
        threadId: thread.id,
        messageId: message.id,
      }),
    );
  return { threadId: thread.id, messageId: message.id };
}

const auditsOf = (resourceId: string, action: string) =>
  db()
    .selectFrom('audit_events')
    .selectAll()
    .where('resource_id', '=', resourceId)
    .where('action', '=', action as never)
    .execute();

describe('type by content', () => {
  it('knows each accepted type by its first bytes', () => {
    expect(sniffType(PDF)).toBe('application/pdf');
    expect(sniffType(JPEG)).toBe('image/jpeg');
    expect(sniffType(PNG)).toBe('image/png');
    expect(sniffType(HEIC)).toBe('image/heic');
    expect(sniffType(PROGRAM)).toBeNull();
    expect(sniffType(PAGE)).toBeNull();
  });

  it('takes an AVIF (a generic image brand, no HEIC brand) for what it is: not HEIC', () => {
    const avif = Buffer.from(HEIC);
    avif.write('mif1', 8, 'latin1');
    avif.write('mif1avif', 16, 'latin1');
    expect(sniffType(avif)).toBeNull();
  });

  it.each([
    { name: 'lab-results.pdf', bytes: PDF, type: 'application/pdf', kept: 'lab-results.pdf' },
    { name: 'photo.jpg', bytes: JPEG, type: 'image/jpeg', kept: 'photo.jpg' },
    { name: 'scan.png', bytes: PNG, type: 'image/png', kept: 'scan.png' },
    { name: 'photo.heic', bytes: HEIC, type: 'image/heic', kept: 'photo.heic' },
    // The name says nothing: a PNG called .pdf is a PNG, and downloads as one.
    { name: 'really-a-png.pdf', bytes: PNG, type: 'image/png', kept: 'really-a-png.png' },
  ])('accepts $name as $type', async ({ name, bytes, type, kept }) => {
    const res = await upload(patient, bytes, name);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ fileName: kept, mediaType: type });
    expect(res.json().sizeBytes).toBeGreaterThan(0);
    const row = await db()
      .selectFrom('message_attachments')
      .selectAll()
      .where('id', '=', res.json().id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      patient_id: patient.patientId,
      uploaded_by: patient.id,
      message_id: null,
    });
    expect((await auditsOf(row.id, 'create')).map((a) => a.patient_id)).toEqual([
      patient.patientId,
    ]);
    await db().deleteFrom('message_attachments').where('id', '=', row.id).execute();
  });

  it.each([
    { what: 'a program', bytes: PROGRAM },
    { what: 'a web page', bytes: PAGE },
    { what: 'a ZIP', bytes: Buffer.from('PK\u0003\u0004rest-of-an-archive', 'latin1') },
  ])('refuses $what named .pdf with 415 and a message a person can act on', async ({ bytes }) => {
    const res = await upload(patient, bytes, 'results.pdf');
    expect(res.statusCode).toBe(415);
    expect(res.json().error.message).toBe('Only PDF, JPEG, PNG or HEIC files can be attached.');
  });

  it('refuses a body that is not a raw file', async () => {
    const res = await patient.client.request({
      method: 'POST',
      url: '/api/messages/attachments',
      payload: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.message).toContain('application/octet-stream');
    const empty = await upload(patient, Buffer.alloc(0));
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.code).toBe('file_required');
  });
});

describe('the API document', () => {
  it('describes the upload as the raw file, for patients and staff', () => {
    const doc = t.app.swagger() as unknown as {
      paths: Record<string, { post?: { requestBody?: { content?: Record<string, unknown> } } }>;
    };
    for (const path of ['/api/messages/attachments', '/api/staff/messages/attachments'])
      expect(Object.keys(doc.paths[path]?.post?.requestBody?.content ?? {})).toEqual([
        'application/octet-stream',
      ]);
  });
});

describe('size', () => {
  it('refuses 10 MB and one byte with 413', async () => {
    const res = await upload(patient, Buffer.alloc(MAX_ATTACHMENT_BYTES + 1, 0x25));
    expect(res.statusCode).toBe(413);
    expect(res.json().error.message).toContain('larger than 10 MB');
  });

  it('refuses on the declared length before reading the body', async () => {
    let read = 0;
    const body = new Readable({
      read() {
        read += 64 * 1024;
        this.push(read > 20 * 1024 * 1024 ? null : Buffer.alloc(64 * 1024));
      },
    });
    const res = await upload(patient, body, 'big.pdf', undefined, {
      'content-length': String(MAX_ATTACHMENT_BYTES + 1),
    });
    expect(res.statusCode).toBe(413);
    expect(read).toBeLessThan(MAX_ATTACHMENT_BYTES);
  });

  it('stops reading a body without a declared length once it passes the limit', async () => {
    await patient.client.refreshCsrf();
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = new URL(address);
    const cookie = [...patient.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const offered = 40 * 1024 * 1024;
    // A raw socket: the answer is read even when the server stops reading and writes fail.
    const { status, sent } = await new Promise<{ status: number; sent: number }>((resolve) => {
      let sent = 0;
      let answer = '';
      const socket = connect(Number(port), '127.0.0.1');
      const done = () => {
        socket.destroy();
        resolve({ status: Number(answer.split(' ')[1]), sent });
      };
      socket.on('data', (d) => {
        answer += d.toString('latin1');
        if (answer.includes('\r\n\r\n')) done();
      });
      // The server answers 413 and closes; with our bytes still unread the
      // close can reset the connection before the answer is read.
      socket.on('error', done);
      socket.on('close', done);
      socket.write(
        [
          'POST /api/messages/attachments HTTP/1.1',
          'host: 127.0.0.1',
          `cookie: ${cookie}`,
          `x-csrf-token: ${patient.client.csrfToken}`,
          'content-type: application/octet-stream',
          'transfer-encoding: chunked',
          '',
          '',
        ].join('\r\n'),
      );
      const chunk = Buffer.concat([
        Buffer.from(`${(64 * 1024).toString(16)}\r\n`),
        Buffer.alloc(64 * 1024, 0x25),
        Buffer.from('\r\n'),
      ]);
      const pump = () => {
        while (!socket.destroyed && !answer && sent < offered) {
          sent += 64 * 1024;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
      };
      pump();
    });
    if (!Number.isNaN(status)) expect(status).toBe(413);
    expect(sent).toBeLessThan(offered / 2);
  });

  it('accepts exactly 10 MB', async () => {
    const pdf = Buffer.alloc(MAX_ATTACHMENT_BYTES, 0x20);
    PDF.copy(pdf);
    const res = await upload(patient, pdf, 'long.pdf');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().sizeBytes).toBe(MAX_ATTACHMENT_BYTES);
    await db().deleteFrom('message_attachments').where('id', '=', res.json().id).execute();
  });
});

describe('metadata', () => {
  it('JPEG: Exif with GPS, XMP, IPTC and the comment are gone; the image is kept', () => {
    expect(has(JPEG, LATITUDE)).toBe(true);
    const out = stripJpeg(JPEG);
    for (const trace of [LATITUDE, 'Exif', 'xap/1.0', 'GPSLatitude', 'Photoshop', 'Elm Street'])
      expect(has(out, trace), String(trace)).toBe(false);
    // Quantization, frame, Huffman tables and scan are all still there, in order, to the end.
    for (const marker of [0xdb, 0xc0, 0xc4, 0xda])
      expect(has(out, Buffer.of(0xff, marker))).toBe(true);
    expect(out.subarray(-2)).toEqual(Buffer.of(0xff, 0xd9));
    expect(JPEG.subarray(JPEG.indexOf(Buffer.of(0xff, 0xdb)))).toEqual(
      out.subarray(out.indexOf(Buffer.of(0xff, 0xdb))),
    );
  });

  it('JPEG: data after the end of the image is dropped', () => {
    const out = stripJpeg(Buffer.concat([JPEG, Buffer.from('Exif trailer GPS')]));
    expect(out).toEqual(stripJpeg(JPEG));
  });

  it('PNG: text, time and Exif chunks are gone; the rest is byte for byte', () => {
    expect(has(PNG, 'Elm Street')).toBe(true);
    const out = stripPng(PNG);
    for (const trace of ['tEXt', 'tIME', 'eXIf', 'Elm Street', LATITUDE])
      expect(has(out, trace), String(trace)).toBe(false);
    for (const kept of ['IHDR', 'IDAT', 'IEND']) {
      const chunkAt = (b: Buffer) => b.indexOf(kept) - 4;
      const len = PNG.readUInt32BE(chunkAt(PNG)) + 12;
      expect(out.subarray(chunkAt(out), chunkAt(out) + len)).toEqual(
        PNG.subarray(chunkAt(PNG), chunkAt(PNG) + len),
      );
    }
  });

  it('HEIC: the Exif item is emptied in place; offsets and the image are untouched', () => {
    expect(has(HEIC, LATITUDE)).toBe(true);
    const out = stripHeic(HEIC);
    expect(has(out, LATITUDE)).toBe(false);
    expect(has(out, 'MM\u0000*')).toBe(false);
    expect(out.length).toBe(HEIC.length);
    expect(has(out, Buffer.alloc(32, 0xaa))).toBe(true);
    expect(out.subarray(0, out.indexOf('mdat'))).toEqual(HEIC.subarray(0, HEIC.indexOf('mdat')));
  });

  it('refuses an image whose structure is broken', async () => {
    const res = await upload(patient, PNG.subarray(0, 40), 'cut.png');
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('unreadable_file');
  });

  it('stores the stripped photo, sealed: neither the name nor the bytes in clear', async () => {
    const name = 'Elm-street-visit.jpg';
    const res = await upload(patient, JPEG, name);
    expect(res.statusCode).toBe(201);
    const row = await db()
      .selectFrom('message_attachments')
      .selectAll()
      .where('id', '=', res.json().id)
      .executeTakeFirstOrThrow();
    const content = Buffer.from(row.content);
    expect(has(content, JPEG.subarray(JPEG.indexOf(Buffer.of(0xff, 0xdb))))).toBe(false);
    expect(has(Buffer.from(row.file_name), name)).toBe(false);
    expect(row.size_bytes).toBe(stripJpeg(JPEG).length);
    const back = await patient.client.get(`/api/messages/attachments/${row.id}`);
    expect(back.rawPayload).toEqual(stripJpeg(JPEG));
    await db().deleteFrom('message_attachments').where('id', '=', row.id).execute();
  });
});

describe('download', () => {
  let fileId: string;
  let threadId: string;
  const name = 'résumé "final"\r\n.pdf';

  beforeAll(async () => {
    const res = await upload(patient, PDF, name);
    fileId = res.json().id;
    ({ threadId } = await sendInThread({ uploadedBy: patient.id, ids: [fileId] }));
  });

  it('gives the patient the file as an attachment, never to be sniffed or kept', async () => {
    const res = await patient.client.get(`/api/messages/attachments/${fileId}`);
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload).toEqual(PDF);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-disposition']).toBe(contentDisposition('résumé "final".pdf'));
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="[^"\r\n]*"; filename\*=UTF-8''/,
    );
  });

  it('names the file safely (RFC 6266): an ASCII fallback and the UTF-8 name encoded', () => {
    expect(contentDisposition('résumé "final".pdf')).toBe(
      `attachment; filename="r_sum_ _final_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf`,
    );
  });

  it('audits every download', async () => {
    const before = (await auditsOf(fileId, 'export')).length;
    await caregiver.client.get(`/api/messages/attachments/${fileId}`);
    const res = await nurse.client.get(`/api/staff/messages/attachments/${fileId}`);
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload).toEqual(PDF);
    const rows = await auditsOf(fileId, 'export');
    expect(rows.length).toBe(before + 2);
    expect(
      rows.slice(-2).map((r) => [r.actor_user_id, r.patient_id, r.clinic_id, r.resource_type]),
    ).toEqual([
      [caregiver.id, patient.patientId, clinicId, 'Binary'],
      [nurse.id, patient.patientId, clinicId, 'Binary'],
    ]);
  });

  it('lists the file with its message, name opened', async () => {
    const row = await db()
      .selectFrom('message_attachments')
      .select('message_id')
      .where('id', '=', fileId)
      .executeTakeFirstOrThrow();
    const found = await attachmentsOf(db(), t.config, [row.message_id as string]);
    expect(found.get(row.message_id as string)).toEqual([
      {
        id: fileId,
        fileName: 'résumé "final".pdf',
        mediaType: 'application/pdf',
        sizeBytes: PDF.length,
      },
    ]);
    expect(threadId).toBeTruthy();
  });

  it.each([
    ['another patient', () => other, '/api/messages/attachments/'],
    ['staff of another clinic', () => stranger, '/api/staff/messages/attachments/'],
    ['staff who do not work the pool', () => desk, '/api/staff/messages/attachments/'],
  ])('refuses %s: 404, audited', async (_who, who, url) => {
    const res = await who().client.get(`${url}${fileId}`);
    expect(res.statusCode).toBe(404);
    expect(res.rawPayload.includes(PDF)).toBe(false);
    const denied = await auditsOf(fileId, 'access_denied');
    expect(denied.map((d) => d.actor_user_id)).toContain(who().id);
    expect(denied.find((d) => d.actor_user_id === who().id)?.patient_id).toBe(patient.patientId);
  });

  it('gives staff the file of a thread assigned to them, though they do not work its pool', async () => {
    await db()
      .updateTable('message_threads')
      .set({ assigned_user_id: desk.id })
      .where('id', '=', threadId)
      .execute();
    const res = await desk.client.get(`/api/staff/messages/attachments/${fileId}`);
    await db()
      .updateTable('message_threads')
      .set({ assigned_user_id: null })
      .where('id', '=', threadId)
      .execute();
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload).toEqual(PDF);
  });

  it('answers the same 404 for a file that does not exist', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const res = await other.client.get(`/api/messages/attachments/${missing}`);
    const refused = await other.client.get(`/api/messages/attachments/${fileId}`);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual(refused.json());
  });

  it('keeps a staff note’s file from the patient', async () => {
    const up = await upload(
      nurse,
      PDF,
      'note.pdf',
      `/api/staff/messages/attachments?patientId=${patient.patientId}`,
    );
    expect(up.statusCode, up.body).toBe(201);
    await sendInThread({
      uploadedBy: nurse.id,
      ids: [up.json().id],
      internal: true,
      fromStaff: true,
    });
    expect(
      (await nurse.client.get(`/api/staff/messages/attachments/${up.json().id}`)).statusCode,
    ).toBe(200);
    expect((await patient.client.get(`/api/messages/attachments/${up.json().id}`)).statusCode).toBe(
      404,
    );
  });

  it('lets only the uploader fetch an unsent file', async () => {
    const up = await upload(caregiver, PNG, 'rash.png');
    const id = up.json().id;
    expect((await caregiver.client.get(`/api/messages/attachments/${id}`)).statusCode).toBe(200);
    expect((await patient.client.get(`/api/messages/attachments/${id}`)).statusCode).toBe(404);
    expect((await nurse.client.get(`/api/staff/messages/attachments/${id}`)).statusCode).toBe(404);
    await db().deleteFrom('message_attachments').where('id', '=', id).execute();
  });
});

describe('staff upload scope', () => {
  it('refuses staff of another clinic: 404, audited', async () => {
    const res = await upload(
      stranger,
      PDF,
      'x.pdf',
      `/api/staff/messages/attachments?patientId=${patient.patientId}`,
    );
    expect(res.statusCode).toBe(404);
    const denied = await db()
      .selectFrom('audit_events')
      .select(['patient_id', 'resource_type'])
      .where('actor_user_id', '=', stranger.id)
      .where('action', '=', 'access_denied')
      .execute();
    expect(denied).toContainEqual({ patient_id: patient.patientId, resource_type: 'Binary' });
    const stored = await db()
      .selectFrom('message_attachments')
      .select('id')
      .where('uploaded_by', '=', stranger.id)
      .execute();
    expect(stored).toEqual([]);
  });

  it('keeps patients off the staff route', async () => {
    const res = await upload(
      patient,
      PDF,
      'x.pdf',
      `/api/staff/messages/attachments?patientId=${patient.patientId}`,
    );
    expect(res.statusCode).toBe(403);
  });
});

describe('claiming uploads for a message', () => {
  it('refuses another person’s upload, naming attachmentIds, and attaches nothing', async () => {
    const mine = (await upload(patient, PDF, 'mine.pdf')).json().id;
    const theirs = (await upload(other, PDF, 'theirs.pdf')).json().id;
    await expect(
      sendInThread({ uploadedBy: patient.id, ids: [mine, theirs] }),
    ).rejects.toMatchObject({
      status: 400,
      details: [expect.objectContaining({ field: 'attachmentIds' })],
    });
    const rows = await db()
      .selectFrom('message_attachments')
      .select('message_id')
      .where('id', 'in', [mine, theirs])
      .execute();
    expect(rows.map((r) => r.message_id)).toEqual([null, null]);
  });

  it('refuses a file already sent', async () => {
    const id = (await upload(patient, PDF, 'once.pdf')).json().id;
    await sendInThread({ uploadedBy: patient.id, ids: [id] });
    await expect(sendInThread({ uploadedBy: patient.id, ids: [id] })).rejects.toMatchObject({
      status: 400,
    });
  });

  it('refuses more than five on one message', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await upload(other, PNG, `p${i}.png`)).json().id);
    await expect(
      sendInThread({ uploadedBy: other.id, ids }, other.patientId),
    ).rejects.toMatchObject({ status: 400, code: 'too_many_attachments' });
  });

  it(`caps a person's unsent uploads at ${MAX_UNSENT_PER_USER}`, async () => {
    const someone = await person(
      [{ role: 'patient', clinicId }],
      (await createPatient(db(), { clinicId })).id,
    );
    for (let i = 0; i < MAX_UNSENT_PER_USER; i++)
      expect((await upload(someone, PNG, `p${i}.png`)).statusCode).toBe(201);
    const res = await upload(someone, PNG, 'one-more.png');
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('too_many_unsent');
  });
});

const stored = (id: string) =>
  db().selectFrom('message_attachments').select('id').where('id', '=', id).executeTakeFirst();

describe('removing an unsent upload', () => {
  it('deletes the uploader’s own unsent file, audited', async () => {
    const id = (await upload(caregiver, PNG, 'wrong.png')).json().id;
    const res = await caregiver.client.delete(`/api/messages/attachments/${id}`);
    expect(res.statusCode).toBe(204);
    expect(await stored(id)).toBeUndefined();
    expect(await auditsOf(id, 'delete')).toEqual([
      expect.objectContaining({
        actor_user_id: caregiver.id,
        patient_id: patient.patientId,
        resource_type: 'Binary',
      }),
    ]);
  });

  it('deletes a staff member’s own unsent file on the staff route', async () => {
    const up = await upload(
      nurse,
      PDF,
      'draft.pdf',
      `/api/staff/messages/attachments?patientId=${patient.patientId}`,
    );
    const id = up.json().id;
    expect((await nurse.client.delete(`/api/staff/messages/attachments/${id}`)).statusCode).toBe(
      204,
    );
    expect(await stored(id)).toBeUndefined();
    expect(await auditsOf(id, 'delete')).toHaveLength(1);
  });

  it.each([
    ['the patient, for their caregiver’s upload', () => patient, '/api/messages/attachments/'],
    ['another patient', () => other, '/api/messages/attachments/'],
    ['staff who did not upload it', () => nurse, '/api/staff/messages/attachments/'],
  ])('refuses %s: 404, audited, the file kept', async (_who, who, url) => {
    const id = (await upload(caregiver, PNG, 'mine.png')).json().id;
    const res = await who().client.delete(`${url}${id}`);
    expect(res.statusCode).toBe(404);
    expect(await stored(id)).toBeDefined();
    const denied = await auditsOf(id, 'access_denied');
    expect(denied).toEqual([
      expect.objectContaining({ actor_user_id: who().id, patient_id: patient.patientId }),
    ]);
    expect(denied[0]?.details).toMatchObject({ attempted: 'delete' });
  });

  it('refuses a file already sent, even to its uploader', async () => {
    const id = (await upload(patient, PDF, 'sent.pdf')).json().id;
    await sendInThread({ uploadedBy: patient.id, ids: [id] });
    const res = await patient.client.delete(`/api/messages/attachments/${id}`);
    expect(res.statusCode).toBe(404);
    expect(await stored(id)).toBeDefined();
  });
});

describe('clearing stale uploads', () => {
  it('deletes unsent uploads older than a day, and nothing sent or recent', async () => {
    const old = (await upload(other, PNG, 'old.png')).json().id;
    const fresh = (await upload(other, PNG, 'fresh.png')).json().id;
    const sentOld = (await upload(other, PDF, 'sent.pdf')).json().id;
    await sendInThread({ uploadedBy: other.id, ids: [sentOld] }, other.patientId);
    const dayAndMore = new Date(Date.now() - 25 * 3_600_000);
    await db()
      .updateTable('message_attachments')
      .set({ created_at: dayAndMore })
      .where('id', 'in', [old, sentOld])
      .execute();
    const removed = await discardStaleUploads(db());
    expect(removed).toBeGreaterThanOrEqual(1);
    expect(await stored(old)).toBeUndefined();
    expect(await stored(fresh)).toBeDefined();
    expect(await stored(sentOld)).toBeDefined();
  });
});

describe('the name a file downloads with', () => {
  it('ends in the extension of what the bytes are, whatever the name said', () => {
    expect(cleanFileName('labs.html', 'application/pdf')).toBe('labs.pdf');
    expect(cleanFileName('photo.JPG', 'image/jpeg')).toBe('photo.jpg');
    expect(cleanFileName('scan', 'image/png')).toBe('scan.png');
    expect(cleanFileName(undefined, 'image/heic')).toBe('attachment.heic');
  });

  it('drops folders, control and right-to-left override characters', () => {
    expect(cleanFileName('..%2F..%2Fetc%2Fpasswd', 'application/pdf')).toBe('passwd.pdf');
    expect(cleanFileName(encodeURIComponent('invoice\u202Efdp.exe'), 'application/pdf')).toBe(
      'invoicefdp.pdf',
    );
    expect(cleanFileName(encodeURIComponent('a\u0000b\u0007.pdf'), 'application/pdf')).toBe(
      'ab.pdf',
    );
  });
});
