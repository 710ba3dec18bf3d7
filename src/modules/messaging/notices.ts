// The e-mail that tells a patient a message is waiting. Mail rests outside
// our control, so it names only the clinic and links to the conversation:
// never the subject, the topic, the text or who wrote it. Staff are not
// mailed: the inbox and its unread count are where they work.
import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import { languageOf, queueMail } from '../../platform/mail/mail.ts';
import type { Language } from '../../platform/mail/messages.ts';

type Db = Kysely<Schema>;

const TEXT = {
  en: {
    subject: 'You have a new message from {clinic}',
    line: 'You have a new message from {clinic} in your patient portal. Sign in to read it:',
    optOut: 'To stop these e-mails, change your message settings in the portal.',
    sign: '— Your portal team',
  },
  es: {
    subject: 'Tiene un mensaje nuevo de {clinic}',
    line: 'Tiene un mensaje nuevo de {clinic} en su portal del paciente. Inicie sesión para leerlo:',
    optOut:
      'Para dejar de recibir estos correos, cambie la configuración de mensajes en el portal.',
    sign: '— El equipo del portal',
  },
} as const;

export const threadUrl = (publicUrl: string, threadId: string) =>
  `${publicUrl}/messages/${threadId}`;

/** The notice's subject and text: the clinic's name and a link, nothing else. */
export function messageNoticeText(lang: Language, clinicName: string, url: string) {
  const t = TEXT[lang];
  const fill = (s: string) => s.replace('{clinic}', clinicName);
  return {
    subject: fill(t.subject),
    text: [fill(t.line), url, '', t.optOut, '', t.sign].join('\n'),
  };
}

/**
 * Queues the notice in the caller's transaction: to the patient's address
 * (their account's, else the one on their record), unless their account
 * opted out of message mail. Nothing goes to staff.
 */
export async function queueMessageNotice(
  trx: Db,
  threadId: string,
  to: 'patient' | 'staff',
  publicUrl: string,
): Promise<void> {
  if (to === 'staff') return;
  const r = await trx
    .selectFrom('message_threads as t')
    .innerJoin('clinics as c', 'c.id', 't.clinic_id')
    .innerJoin('patients as p', 'p.id', 't.patient_id')
    .leftJoin('users as u', (j) =>
      j.onRef('u.patient_id', '=', 'p.id').on('u.status', '=', 'active'),
    )
    .select((eb) => [
      't.patient_id',
      'c.name as clinic_name',
      'u.message_email',
      eb.fn.coalesce('u.email', 'p.email').as('email'),
    ])
    .where('t.id', '=', threadId)
    .executeTakeFirst();
  if (!r?.email || r.message_email === false) return;
  const lang = await languageOf(trx, { patientId: r.patient_id });
  await queueMail(trx, {
    to: r.email,
    ...messageNoticeText(lang, r.clinic_name, threadUrl(publicUrl, threadId)),
  });
}
