// Outgoing mail by the outbox pattern: an action writes its mail into
// mail_outbox in its own transaction, so a mail goes out exactly when the
// action commits. A job sends pending rows over SMTP and then clears their
// body, so links and codes do not linger. Without SMTP the rows stay as the
// development mailbox.
import { type Kysely, sql } from 'kysely';
import nodemailer from 'nodemailer';
import type { Config } from '../../config.ts';
import type { Schema } from '../db/schema.ts';
import type { Jobs } from '../jobs/jobs.ts';
import type { Language } from './messages.ts';
import type { MailAttachment } from './tables.ts';

type Db = Kysely<Schema>;

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** A calendar file, say; never clinical detail (mail rests outside our control). */
  attachments?: MailAttachment[];
}

export const MAIL_QUEUE = 'mail-send';
/** After this many failed tries the mail is given up and its body cleared. */
export const MAX_ATTEMPTS = 8;
/** A claimed row is left alone this long, so two senders never send it twice. */
const LEASE_MINUTES = 10;
const BATCH = 20;

/** Queues a mail in the caller's transaction. */
export async function queueMail(trx: Db, mail: Mail) {
  await trx
    .insertInto('mail_outbox')
    .values({
      to_address: mail.to,
      subject: mail.subject,
      body: mail.text,
      attachments: mail.attachments?.length ? JSON.stringify(mail.attachments) : null,
    })
    .execute();
}

/** The language to write to a person in: their account's, else their patient record's. */
export async function languageOf(
  db: Db,
  who: { userId: string } | { patientId: string },
): Promise<Language> {
  const row =
    'userId' in who
      ? await db
          .selectFrom('users')
          .select('language')
          .where('id', '=', who.userId)
          .executeTakeFirst()
      : await db
          .selectFrom('patients')
          .leftJoin('users', 'users.patient_id', 'patients.id')
          .select((eb) => eb.fn.coalesce('users.language', 'patients.language').as('language'))
          .where('patients.id', '=', who.patientId)
          .executeTakeFirst();
  return row?.language === 'es' ? 'es' : 'en';
}

/** Where to write to a patient: their active account's address, else the one on their record. */
export async function patientAddress(db: Db, patientId: string): Promise<string | null> {
  const r = await db
    .selectFrom('patients')
    .leftJoin('users', (j) =>
      j.onRef('users.patient_id', '=', 'patients.id').on('users.status', '=', 'active'),
    )
    .select((eb) => eb.fn.coalesce('users.email', 'patients.email').as('email'))
    .where('patients.id', '=', patientId)
    .executeTakeFirst();
  return r?.email ?? null;
}

/** Minutes to wait after the n-th failed try: 1, 2, 4, … up to 6 hours. */
export const retryDelayMinutes = (attempts: number) => Math.min(2 ** (attempts - 1), 360);

/**
 * Sends the mail that is due, one batch; returns how many went out. Rows are
 * claimed by pushing their next try into the future, then sent outside any
 * transaction (SMTP can be slow; the embedded database has one connection).
 */
export async function sendPendingMail(
  db: Db,
  config: Config,
): Promise<{ sent: number; failed: number }> {
  if (!config.smtpUrl) return { sent: 0, failed: 0 };
  const claimed = await claimDue(db);
  if (claimed.length === 0) return { sent: 0, failed: 0 };
  const transport = nodemailer.createTransport(config.smtpUrl);
  let sent = 0;
  try {
    for (const row of claimed) {
      try {
        await transport.sendMail({
          from: config.mailFrom,
          to: row.to_address,
          subject: row.subject,
          text: row.body ?? '',
          attachments: (row.attachments ?? []).map((a) => ({
            filename: a.filename,
            contentType: a.contentType,
            content: a.content,
          })),
        });
        await db
          .updateTable('mail_outbox')
          .set({ sent_at: new Date(), body: null, attachments: null, last_error: null })
          .where('id', '=', row.id)
          .execute();
        sent++;
      } catch (err) {
        await recordFailure(db, row.id, row.attempts, err);
      }
    }
  } finally {
    transport.close();
  }
  return { sent, failed: claimed.length - sent };
}

async function claimDue(db: Db) {
  // The database's clock, not ours: rows are stamped by its now().
  const now = sql<Date>`now()`;
  return db
    .updateTable('mail_outbox')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      next_attempt_at: sql<Date>`now() + make_interval(mins => ${LEASE_MINUTES})`,
    }))
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('mail_outbox')
        .select('id')
        .where('sent_at', 'is', null)
        .where('body', 'is not', null)
        .where('next_attempt_at', '<=', now)
        .orderBy('created_at')
        .limit(BATCH)
        .forUpdate()
        .skipLocked(),
    )
    .returning(['id', 'to_address', 'subject', 'body', 'attachments', 'attempts'])
    .execute();
}

async function recordFailure(db: Db, id: string, attempts: number, err: unknown) {
  const givenUp = attempts >= MAX_ATTEMPTS;
  await db
    .updateTable('mail_outbox')
    .set({
      last_error: describeFailure(err),
      next_attempt_at: new Date(Date.now() + retryDelayMinutes(attempts) * 60_000),
      // A mail that will never go out must not keep its link or code either.
      ...(givenUp ? { body: null, attachments: null } : {}),
    })
    .where('id', '=', id)
    .execute();
}

/**
 * The kind of failure without the server's own words, which may quote the
 * address: nodemailer's error code, the SMTP command and its reply code.
 */
export function describeFailure(err: unknown): string {
  const e = (err ?? {}) as { code?: unknown; command?: unknown; responseCode?: unknown };
  const safe = (v: unknown) =>
    typeof v === 'string' || typeof v === 'number'
      ? String(v)
          .replace(/[^\w .-]/g, '')
          .slice(0, 40)
      : '';
  return [safe(e.code) || 'error', safe(e.command), safe(e.responseCode)].filter(Boolean).join(' ');
}

/**
 * Works the outbox when SMTP is configured: every minute (retries), and at
 * once when nudged after a commit.
 */
export async function registerMailSender(jobs: Jobs, db: Db, config: Config) {
  if (!config.smtpUrl) return;
  await jobs.handle(MAIL_QUEUE, async () => {
    // Keep going while full batches come back, so a burst drains in one run.
    for (let i = 0; i < 50; i++) {
      const { sent, failed } = await sendPendingMail(db, config);
      if (sent + failed < BATCH) break;
    }
  });
  await jobs.boss.schedule(MAIL_QUEUE, '* * * * *');
}

/** Asks the sender to run now; call after the transaction that queued mail commits. */
export async function nudgeMailSender(jobs: Jobs | undefined, config: Config) {
  if (!jobs || !config.smtpUrl) return;
  try {
    await jobs.send(MAIL_QUEUE, {});
  } catch {
    // The schedule picks the mail up within a minute anyway.
  }
}
