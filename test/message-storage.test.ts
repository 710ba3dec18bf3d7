// The database holds no message text or attachment bytes in clear: a scan of
// every table, bytea shown both as hex and as escaped text, finds neither a
// known body nor a known file; after `portal keys rotate` (the command, run
// as an operator runs it) every message still reads with only the new key.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import {
  forgetDataKeys,
  type MasterKeys,
  masterKeyId,
  openBytes,
  openText,
  sealBytes,
  sealText,
} from '../src/platform/crypto/envelope.ts';
import { type Database, openDatabase } from '../src/platform/db/database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import type { Schema } from '../src/platform/db/schema.ts';
import { type TestDatabase, testDatabase } from './support/database.ts';
import { createClinic, createPatient, createUser } from './support/factories.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const MAIN = path.join(ROOT, 'src', 'main.ts');

const oldMaster = randomBytes(32);
const newMaster = randomBytes(32);
const before: MasterKeys = { dataMasterKey: oldMaster, dataMasterKeysPrevious: [] };
const after: MasterKeys = { dataMasterKey: newMaster, dataMasterKeysPrevious: [] };

const SUBJECT = 'Question about my potassium result';
const BODY = 'My potassium came back at 5.9 and I take spironolactone 25 mg daily.';
const DRAFT = 'Draft: should I stop the spironolactone before Friday?';
const FILE_NAME = 'potassium-lab-2024-03.pdf';
const FILE = Buffer.concat([
  Buffer.from('%PDF-1.4\n'),
  randomBytes(2048),
  Buffer.from('Potassium 5.9 mmol/L (high) storage-scan-marker\n%%EOF'),
]);
/** In the clear on purpose: shows the scan reads the rows it should. */
const FAMILY_NAME = 'Storagefield';

/** The CLI must reach the same database: a DATA_DIR of its own, or the server database. */
let database: Database | TestDatabase;
let cliEnv: Record<string, string>;
let dataDir: string;
let ids: { thread: string; message: string; attachment: string; draft: string };
const db = (): Kysely<Schema> => database.db;

async function openCliDatabase(): Promise<Database> {
  const opened = await openDatabase({ dataDir });
  await migrate(opened);
  return opened;
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-storage-'));
  if (process.env.DATABASE_URL) {
    database = await testDatabase();
    cliEnv = { DATABASE_URL: (database as TestDatabase).url ?? '' };
  } else {
    database = await openCliDatabase();
    cliEnv = { DATA_DIR: dataDir };
  }
  ids = await writeConversation(db());
}, 180_000);

afterAll(async () => {
  await database?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** A thread with a message, a sent attachment and a draft, rows made directly. */
async function writeConversation(db: Kysely<Schema>) {
  const config = loadConfig({ NODE_ENV: 'test' });
  const clinic = await createClinic(db);
  const patient = await createPatient(db, { clinicId: clinic.id, familyName: FAMILY_NAME });
  const user = await createUser(db, config, { roles: [], patientId: patient.id });
  const pool = await db
    .insertInto('message_pools')
    .values({
      clinic_id: clinic.id,
      topic: 'medical',
      name_en: 'Nurses',
      name_es: 'Enfermería',
      roles: ['nurse'],
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const subject = await sealText(db, before, SUBJECT);
  const thread = await db
    .insertInto('message_threads')
    .values({
      clinic_id: clinic.id,
      patient_id: patient.id,
      pool_id: pool.id,
      topic: 'medical',
      subject: subject.data,
      key_id: subject.keyId,
      assigned_user_id: null,
      started_by: user.id,
      first_staff_reply_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const body = await sealText(db, before, BODY);
  const message = await db
    .insertInto('messages')
    .values({
      thread_id: thread.id,
      author_user_id: user.id,
      from_staff: false,
      body: body.data,
      key_id: body.keyId,
      ehr_communication_id: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const name = await sealText(db, before, FILE_NAME);
  const content = await sealBytes(db, before, FILE);
  expect(content.keyId).toBe(name.keyId);
  const attachment = await db
    .insertInto('message_attachments')
    .values({
      patient_id: patient.id,
      thread_id: thread.id,
      message_id: message.id,
      uploaded_by: user.id,
      media_type: 'application/pdf',
      size_bytes: FILE.length,
      file_name: name.data,
      content: content.data,
      key_id: content.keyId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const draftBody = await sealText(db, before, DRAFT);
  const draft = await db
    .insertInto('message_drafts')
    .values({
      user_id: user.id,
      patient_id: patient.id,
      thread_id: thread.id,
      body: draftBody.data,
      key_id: draftBody.keyId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { thread: thread.id, message: message.id, attachment: attachment.id, draft: draft.id };
}

/** Every row of every table as text, with bytea written as `output` (hex or escape). */
async function rawRows(db: Kysely<Schema>, output: 'hex' | 'escape'): Promise<string> {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('bytea_output', ${output}, true)`.execute(trx);
    const tables = await sql<{ name: string }>`
      select format('%I.%I', table_schema, table_name) as name
      from information_schema.tables
      where table_type = 'BASE TABLE'
        and table_schema not in ('pg_catalog', 'information_schema')`.execute(trx);
    const texts: string[] = [];
    for (const { name } of tables.rows) {
      const rows = await sql<{
        row: string;
      }>`select t::text as row from ${sql.raw(name)} t`.execute(trx);
      texts.push(...rows.rows.map((r) => r.row));
    }
    return texts.join('\n').toLowerCase();
  });
}

/** What would show if any of it were stored in clear, in either bytea output. */
const secrets = [
  SUBJECT,
  BODY,
  DRAFT,
  FILE_NAME,
  'spironolactone',
  'storage-scan-marker',
  FILE.toString('hex'),
  FILE.subarray(9, 9 + 64).toString('hex'),
  Buffer.from(BODY).toString('hex'),
  Buffer.from(FILE_NAME).toString('hex'),
].map((s) => s.toLowerCase());

async function expectNothingInClear() {
  for (const output of ['hex', 'escape'] as const) {
    const raw = await rawRows(db(), output);
    expect(raw, 'the scan reads the patient rows').toContain(FAMILY_NAME.toLowerCase());
    expect(raw, 'and the message rows').toContain(ids.message);
    if (output === 'hex') {
      // The sealed file is there, as its ciphertext: the scan does read bytea.
      const { content } = await db()
        .selectFrom('message_attachments')
        .select('content')
        .where('id', '=', ids.attachment)
        .executeTakeFirstOrThrow();
      expect(raw).toContain(Buffer.from(content).toString('hex'));
    }
    for (const secret of secrets)
      expect(raw.includes(secret), `${output} scan found ${secret.slice(0, 40)}`).toBe(false);
  }
}

/** Reads the conversation back from the tables with the given keys only. */
async function readConversation(keys: MasterKeys) {
  forgetDataKeys();
  const thread = await db()
    .selectFrom('message_threads')
    .select(['subject', 'key_id'])
    .where('id', '=', ids.thread)
    .executeTakeFirstOrThrow();
  const message = await db()
    .selectFrom('messages')
    .select(['body', 'key_id'])
    .where('id', '=', ids.message)
    .executeTakeFirstOrThrow();
  const file = await db()
    .selectFrom('message_attachments')
    .select(['file_name', 'content', 'key_id'])
    .where('id', '=', ids.attachment)
    .executeTakeFirstOrThrow();
  const draft = await db()
    .selectFrom('message_drafts')
    .select(['body', 'key_id'])
    .where('id', '=', ids.draft)
    .executeTakeFirstOrThrow();
  return {
    subject: await openText(db(), keys, thread.subject, thread.key_id),
    body: await openText(db(), keys, message.body, message.key_id),
    fileName: await openText(db(), keys, file.file_name, file.key_id),
    file: await openBytes(db(), keys, file.content, file.key_id),
    draft: await openText(db(), keys, draft.body, draft.key_id),
  };
}

const expected = { subject: SUBJECT, body: BODY, fileName: FILE_NAME, file: FILE, draft: DRAFT };

/** `node src/main.ts keys rotate` with the master keys given; the embedded database is closed meanwhile. */
async function portalKeysRotate(keys: Record<string, string>) {
  if (database.kind === 'embedded') await database.close();
  try {
    const child = spawn(process.execPath, [MAIN, 'keys', 'rotate'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? os.tmpdir(),
        TZ: 'UTC',
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        ...cliEnv,
        ...keys,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { code, stdout, stderr };
  } finally {
    if (database.kind === 'embedded') database = await openCliDatabase();
  }
}

const b64 = (k: Buffer) => k.toString('base64');

describe('messages at rest', () => {
  it('read back with the master key they were written under', async () => {
    expect(await readConversation(before)).toEqual(expected);
  });

  it('are nowhere in the raw tables: no body, subject, draft, file name or file bytes', async () => {
    await expectNothingInClear();
  });
});

describe('after portal keys rotate', () => {
  it('refuses in one line, changing nothing, when the old master key is not configured', async () => {
    const result = await portalKeysRotate({ DATA_MASTER_KEY: b64(newMaster) });
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        `^portal: Data key [0-9a-f-]+ is wrapped by master key ${masterKeyId(oldMaster)}, which is not configured`,
      ),
    ]);
    expect(await readConversation(before)).toEqual(expected);
  }, 120_000);

  it('every message still reads with only the new master key, and none in clear', async () => {
    const result = await portalKeysRotate({
      DATA_MASTER_KEY: b64(newMaster),
      DATA_MASTER_KEY_PREVIOUS: b64(oldMaster),
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(
      `Data keys: 1 re-wrapped under master key ${masterKeyId(newMaster)}, 0 already under it; new writes use a new data key.`,
    );
    expect(await readConversation(after)).toEqual(expected);
    await expect(readConversation(before)).rejects.toThrow(/not configured/);
    await expectNothingInClear();
  }, 120_000);
});
