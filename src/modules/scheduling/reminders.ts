// E-mail reminders before an appointment, at the configured offsets (real
// hours before the start, so 24 h before is 24 h before even across a change
// of clocks). A job runs every minute and sends, for each live appointment,
// the nearest offset that is due — never two at once: a patient booked 30 h
// ahead gets the 24 h reminder only. Offsets that had already passed when the
// appointment was booked are skipped (the confirmation has just told them);
// one missed while the job was down still goes out late, before the start.
// appointment_reminders' primary key keeps any reminder from going twice.
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import { audit, SYSTEM_SOURCE } from '../../platform/audit/audit.ts';
import type { Schema } from '../../platform/db/schema.ts';
import type { Jobs } from '../../platform/jobs/jobs.ts';
import { queueAppointmentNotice } from './notices.ts';

type Db = Kysely<Schema>;

/** Reminders queued in one run at most; the next minute's run carries on. */
const BATCH = 500;

interface Due {
  id: string;
  patient_id: string;
  clinic_id: string;
  hours_before: number;
}

/** Live appointments with a reminder due now and not yet sent: the nearest offset that is due. */
async function dueReminders(db: Db, hours: number[], now: Date): Promise<Due[]> {
  const offsets = sql.join(hours.map((h) => sql`(${h}::int)`));
  const longest = Math.max(...hours);
  const r = await sql<Due>`with due as (
      select a.id, a.patient_id, a.clinic_id,
        (select min(o.h) from (values ${offsets}) as o (h)
          where a.starts_at - make_interval(hours => o.h) <= ${now}::timestamptz
            and a.starts_at - make_interval(hours => o.h) >= a.created_at) as hours_before
      from clinics c
      join appointments a on a.clinic_id = c.id
        and a.starts_at > ${now}::timestamptz
        and a.starts_at <= ${now}::timestamptz + make_interval(hours => ${longest}::int)
      where a.status in ('confirming', 'booked', 'checked_in'))
    select d.* from due d
    where d.hours_before is not null
      and not exists (select 1 from appointment_reminders r
        where r.appointment_id = d.id and r.hours_before = d.hours_before)
    limit ${BATCH}::int`.execute(db);
  return r.rows;
}

/**
 * Queues the reminders due at `now`, each with its calendar file, in its own
 * transaction with the row that marks it sent. Returns how many were queued.
 */
export async function sendDueReminders(
  db: Db,
  p: { hours: number[]; publicUrl: string; now?: Date },
): Promise<number> {
  if (p.hours.length === 0) return 0;
  const now = p.now ?? new Date();
  let sent = 0;
  for (const due of await dueReminders(db, p.hours, now)) {
    const queued = await db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('appointment_reminders')
        .values({ appointment_id: due.id, hours_before: due.hours_before })
        .onConflict((oc) => oc.doNothing())
        .returning('appointment_id')
        .executeTakeFirst();
      if (!row) return false;
      await queueAppointmentNotice(trx, due.id, 'reminder', p.publicUrl);
      await audit(trx, SYSTEM_SOURCE, {
        action: 'create',
        resourceType: 'AppointmentReminder',
        resourceId: due.id,
        patientId: due.patient_id,
        clinicId: due.clinic_id,
        details: { hoursBefore: due.hours_before },
      });
      return true;
    });
    if (queued) sent++;
  }
  return sent;
}

export const REMINDER_QUEUE = 'scheduling.reminders';

/** The reminder run every minute, on one instance at a time. */
export async function registerReminderJob(
  jobs: Jobs,
  db: Db,
  config: Pick<Config, 'appointmentReminderHours' | 'publicUrl'>,
  log: Logger,
): Promise<void> {
  await jobs.boss.createQueue(REMINDER_QUEUE, { policy: 'exclusive', expireInSeconds: 300 });
  await jobs.handle(REMINDER_QUEUE, async () => {
    const sent = await sendDueReminders(db, {
      hours: config.appointmentReminderHours,
      publicUrl: config.publicUrl,
    });
    if (sent) log.info({ sent }, 'appointment reminders queued');
  });
  await jobs.boss.schedule(REMINDER_QUEUE, '* * * * *', {});
}
