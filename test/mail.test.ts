// Mail: queued in the action's transaction, sent over real SMTP (a tiny
// server speaking the protocol in this file), retried later on failure
// without keeping the server's words, and readable in the development
// mailbox by system administrators only when there is no SMTP.
import net from 'node:net';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/platform/http/logging.ts';
import { startJobs } from '../src/platform/jobs/jobs.ts';
import {
  languageOf,
  MAX_ATTEMPTS,
  nudgeMailSender,
  queueMail,
  registerMailSender,
  retryDelayMinutes,
  sendPendingMail,
} from '../src/platform/mail/mail.ts';
import { type Language, mailTexts } from '../src/platform/mail/messages.ts';
import { type TestApp, testApp } from './support/app.ts';
import { Client } from './support/client.ts';
import { type TestDatabase, testDatabase } from './support/database.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';

interface Received {
  from: string;
  to: string[];
  data: string;
}

/** Just enough SMTP: greeting, EHLO, MAIL, RCPT, DATA, QUIT. */
async function smtpServer(options: { rejectRecipients?: boolean } = {}) {
  const received: Received[] = [];
  const server = net.createServer((socket) => {
    socket.setEncoding('utf8');
    const reply = (line: string) => socket.write(`${line}\r\n`);
    let buffer = '';
    let inData = false;
    let mail: Received = { from: '', to: [], data: '' };
    reply('220 test.local ESMTP ready');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            received.push(mail);
            mail = { from: '', to: [], data: '' };
            reply('250 2.0.0 queued');
          } else mail.data += `${line.startsWith('..') ? line.slice(1) : line}\n`;
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') reply('250 test.local');
        else if (verb === 'MAIL') {
          mail.from = line;
          reply('250 2.1.0 ok');
        } else if (verb === 'RCPT') {
          if (options.rejectRecipients)
            reply(`550 5.1.1 ${line.slice(8)} is not a mailbox here, Jane Doe`);
          else {
            mail.to.push(line);
            reply('250 2.1.5 ok');
          }
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 end data with <CR><LF>.<CR><LF>');
        } else if (verb === 'QUIT') {
          reply('221 2.0.0 bye');
          socket.end();
        } else if (verb === 'RSET' || verb === 'NOOP') reply('250 ok');
        else reply('502 5.5.1 not implemented');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    received,
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The message as written, undoing quoted-printable line folding. */
const decoded = (data: string) =>
  data
    .replace(/=\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));

let t: TestApp;
let db: TestDatabase;
beforeAll(async () => {
  [t, db] = await Promise.all([testApp(), testDatabase()]);
});
afterAll(async () => {
  await Promise.all([t?.close(), db?.close()]);
});

const outbox = () => db.db.selectFrom('mail_outbox').selectAll().orderBy('created_at').execute();
const clearOutbox = () => db.db.deleteFrom('mail_outbox').execute();

describe('the outbox', () => {
  it('keeps a mail only when the transaction that queued it commits', async () => {
    await clearOutbox();
    await db.db
      .transaction()
      .execute(async (trx) => {
        await queueMail(trx, { to: 'a@example.org', subject: 'Rolled back', text: 'x' });
        throw new Error('roll back');
      })
      .catch(() => {});
    await db.db.transaction().execute(async (trx) => {
      await queueMail(trx, { to: 'b@example.org', subject: 'Kept', text: 'y' });
    });
    expect((await outbox()).map((m) => m.subject)).toEqual(['Kept']);
  });
});

describe('the sender', () => {
  it('sends pending mail over SMTP, then clears its body', async () => {
    await clearOutbox();
    const smtp = await smtpServer();
    try {
      const config = loadConfig({
        NODE_ENV: 'test',
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Portal <portal@example.org>',
      });
      const text = mailTexts.passwordReset('en', {
        url: 'https://portal.example.org/reset-password#token=abc',
        minutes: 30,
      });
      await queueMail(db.db, { to: 'reader@example.org', ...text });
      expect(await sendPendingMail(db.db, config)).toEqual({ sent: 1, failed: 0 });

      expect(smtp.received).toHaveLength(1);
      const [mail] = smtp.received;
      expect(mail?.from).toContain('portal@example.org');
      expect(mail?.to).toEqual([expect.stringContaining('reader@example.org')]);
      expect(mail?.data).toContain(`Subject: ${text.subject}`);
      expect(decoded(mail?.data ?? '')).toContain(
        'https://portal.example.org/reset-password#token=abc',
      );

      const [row] = await outbox();
      expect(row).toMatchObject({ body: null, attempts: 1, last_error: null });
      expect(row?.sent_at).toBeInstanceOf(Date);
      // Sent mail is not sent again.
      expect(await sendPendingMail(db.db, config)).toEqual({ sent: 0, failed: 0 });
    } finally {
      await smtp.close();
    }
  });

  it('records a refusal without the server words, retries later, and gives up in the end', async () => {
    await clearOutbox();
    const smtp = await smtpServer({ rejectRecipients: true });
    try {
      const config = loadConfig({ NODE_ENV: 'test', SMTP_URL: smtp.url });
      await queueMail(db.db, { to: 'nobody@example.org', subject: 'Hello', text: 'code 1234' });
      expect(await sendPendingMail(db.db, config)).toEqual({ sent: 0, failed: 1 });
      let [row] = await outbox();
      expect(row).toMatchObject({ attempts: 1, sent_at: null, body: 'code 1234' });
      expect(row?.last_error).toMatch(/RCPT/);
      expect(row?.last_error).toMatch(/550/);
      expect(row?.last_error).not.toMatch(/nobody|example|Jane|Doe/);
      expect(row?.next_attempt_at.getTime()).toBeGreaterThan(Date.now());

      // Not due yet: left alone.
      expect(await sendPendingMail(db.db, config)).toEqual({ sent: 0, failed: 0 });

      // Due again, on its last allowed try: after it fails, its body goes.
      await db.db
        .updateTable('mail_outbox')
        .set({ next_attempt_at: new Date(Date.now() - 1000), attempts: MAX_ATTEMPTS - 1 })
        .execute();
      expect(await sendPendingMail(db.db, config)).toEqual({ sent: 0, failed: 1 });
      [row] = await outbox();
      expect(row).toMatchObject({ attempts: MAX_ATTEMPTS, body: null, sent_at: null });
      expect(await sendPendingMail(db.db, config)).toEqual({ sent: 0, failed: 0 });
    } finally {
      await smtp.close();
    }
  });

  it('waits longer after every failure, up to six hours', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), (n) => {
        expect(retryDelayMinutes(n + 1)).toBeGreaterThanOrEqual(retryDelayMinutes(n));
        expect(retryDelayMinutes(n)).toBeLessThanOrEqual(360);
      }),
    );
    expect([1, 2, 3].map(retryDelayMinutes)).toEqual([1, 2, 4]);
  });

  it('does nothing without SMTP: the mail stays for the development mailbox', async () => {
    await clearOutbox();
    await queueMail(db.db, { to: 'dev@example.org', subject: 'Stays', text: 'here' });
    expect(await sendPendingMail(db.db, loadConfig({ NODE_ENV: 'test' }))).toEqual({
      sent: 0,
      failed: 0,
    });
    expect(await outbox()).toMatchObject([{ subject: 'Stays', body: 'here', attempts: 0 }]);
  });

  it('runs as a job: nudged after a commit, it delivers', { timeout: 60_000 }, async () => {
    await clearOutbox();
    const smtp = await smtpServer();
    const logs: string[] = [];
    const logger = createLogger(
      'warn',
      new Writable({
        write(chunk, _enc, done) {
          logs.push(String(chunk));
          done();
        },
      }),
    );
    const jobs = await startJobs(db, logger);
    try {
      const config = loadConfig({ NODE_ENV: 'test', SMTP_URL: smtp.url });
      await registerMailSender(jobs, db.db, config);
      await queueMail(db.db, { to: 'job@example.org', subject: 'By the job', text: 'hi' });
      await nudgeMailSender(jobs, config);
      const deadline = Date.now() + 30_000;
      while (smtp.received.length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(smtp.received).toHaveLength(1);
      expect(logs.join('')).toBe('');
    } finally {
      await jobs.stop(5000);
      await smtp.close();
    }
  });
});

describe('mail texts', () => {
  const NAMES_AND_CLINICAL =
    /patient|doctor|nurse|clinical|diagnos|result|medic|appointment|prescri|lab\b|test\b|Jane|Doe/i;
  const languages: Language[] = ['en', 'es'];
  const all = (lang: Language, token: string) => [
    mailTexts.activationCode(lang, {
      code: 'ABCD-EFGH-JKMN',
      days: 14,
      url: 'https://p.example/activate',
    }),
    mailTexts.passwordReset(lang, {
      url: `https://p.example/reset-password#token=${token}`,
      minutes: 30,
    }),
    mailTexts.passwordChanged(lang, { url: 'https://p.example' }),
    mailTexts.confirmEmail(lang, {
      url: `https://p.example/confirm-email#token=${token}`,
      hours: 24,
    }),
    mailTexts.emailTaken(lang, { url: 'https://p.example' }),
    mailTexts.emailChangeRequested(lang, { url: 'https://p.example' }),
    mailTexts.emailChanged(lang, { url: 'https://p.example' }),
  ];

  it('say nothing clinical, name no one, and carry tokens only after #', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...languages),
        fc.base64String({ minLength: 8, maxLength: 43 }),
        (lang, raw) => {
          const token = raw.replace(/[+/=]/g, 'x') || 'token';
          for (const mail of all(lang, token)) {
            // The random token may spell anything ("AdoeA…"): read the words around it.
            const words = `${mail.subject}\n${mail.text}`.replaceAll(token, '');
            expect(words).not.toMatch(NAMES_AND_CLINICAL);
            for (const url of mail.text.match(/https?:\/\/\S+/g) ?? []) {
              expect(url).not.toContain('?');
              if (url.includes(token)) expect(url.indexOf('#')).toBeLessThan(url.indexOf(token));
            }
          }
        },
      ),
    );
  });

  it('are written in the language asked for', () => {
    const en = all('en', 't').map((m) => m.subject);
    const es = all('es', 't').map((m) => m.subject);
    for (const [i, subject] of en.entries()) expect(es[i]).not.toBe(subject);
  });

  it("pick the account's language, else the patient record's", async () => {
    const clinic = await createClinic(db.db);
    const patient = await createPatient(db.db, { clinicId: clinic.id });
    await db.db
      .updateTable('patients')
      .set({ language: 'es' })
      .where('id', '=', patient.id)
      .execute();
    expect(await languageOf(db.db, { patientId: patient.id })).toBe('es');
    const config = loadConfig({ NODE_ENV: 'test' });
    const user = await createUser(db.db, config, {
      roles: [{ role: 'patient', clinicId: null }],
      patientId: patient.id,
    });
    expect(await languageOf(db.db, { userId: user.id })).toBe('en');
    expect(await languageOf(db.db, { patientId: patient.id })).toBe('en');
  });
});

describe('the development mailbox', () => {
  it('shows system administrators the newest mail, and audits the reading', async () => {
    await queueMail(t.database.db, { to: 'first@example.org', subject: 'First', text: 'one' });
    await queueMail(t.database.db, { to: 'second@example.org', subject: 'Second', text: 'two' });
    const admin = await createUser(t.database.db, t.config, {
      roles: [{ role: 'system_admin', clinicId: null }],
      totp: true,
    });
    const res = await (await signedInClient(t, admin)).get('/api/dev/mailbox');
    expect(res.statusCode).toBe(200);
    const { messages } = res.json();
    expect(messages.slice(0, 2)).toMatchObject([
      { to: 'second@example.org', subject: 'Second', body: 'two' },
      { to: 'first@example.org', subject: 'First', body: 'one' },
    ]);
    const audited = await t.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('actor_user_id', '=', admin.id)
      .where('resource_type', '=', 'DevMailbox')
      .execute();
    expect(audited).toMatchObject([{ action: 'view', outcome: 'success' }]);
  });

  it('is closed to everyone else', async () => {
    const clinic = await createClinic(t.database.db);
    const admin = await createUser(t.database.db, t.config, {
      roles: [{ role: 'clinic_admin', clinicId: clinic.id }],
      totp: true,
    });
    expect((await (await signedInClient(t, admin)).get('/api/dev/mailbox')).statusCode).toBe(403);
    expect((await new Client(t.app).get('/api/dev/mailbox')).statusCode).toBe(401);
  });

  it('does not exist when SMTP is configured', async () => {
    const withSmtp = await testApp({ env: { SMTP_URL: 'smtp://127.0.0.1:2525' } });
    try {
      const admin = await createUser(withSmtp.database.db, withSmtp.config, {
        roles: [{ role: 'system_admin', clinicId: null }],
        totp: true,
      });
      const res = await (await signedInClient(withSmtp, admin)).get('/api/dev/mailbox');
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    } finally {
      await withSmtp.close();
    }
  });
});
