// The e-mail that tells a patient a message is waiting. Mail rests outside
// our control, so it names only the clinic and links to the conversation:
// never the subject, the topic, the text or who wrote it. The patient's
// caregivers are told too. Staff are not mailed: the inbox and its unread
// count are where they work.
import { type Kysely, sql } from 'kysely';
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
 * Queues the notice in the caller's transaction, one per address: to the
 * patient (their account's address unless it opted out of message mail)
 * and to each caregiver with an active grant whose account has message
 * mail on. Nothing goes to staff.
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
    .select([
      't.patient_id',
      'c.name as clinic_name',
      'u.message_email',
      'u.email',
      'p.email as record_email',
    ])
    .where('t.id', '=', threadId)
    .executeTakeFirst();
  if (!r) return;
  const url = threadUrl(publicUrl, threadId);
  const sent = new Set<string>();
  const send = async (address: string, lang: Language) => {
    if (sent.has(address.toLowerCase())) return;
    sent.add(address.toLowerCase());
    await queueMail(trx, { to: address, ...messageNoticeText(lang, r.clinic_name, url) });
  };
  // A patient without an account cannot opt out in the portal; the notice
  // still goes to the address on their record: it carries no content, and
  // it is how they learn the care team wrote (activating an account gives
  // them the opt-out).
  const patientAddress = r.email ?? r.record_email;
  if (patientAddress && r.message_email !== false)
    await send(patientAddress, await languageOf(trx, { patientId: r.patient_id }));
  for (const c of await caregiversToMail(trx, r.patient_id)) await send(c.email, c.language);
}

/** Caregivers acting for the patient now, with active accounts and message mail on. */
async function caregiversToMail(trx: Db, patientId: string) {
  return trx
    .selectFrom('proxy_grants as g')
    .innerJoin('users as u', 'u.id', 'g.proxy_user_id')
    .select(['u.email', 'u.language'])
    .where('g.patient_id', '=', patientId)
    .where('g.revoked_at', 'is', null)
    .where('g.expires_at', '>', sql<Date>`now()`)
    .where('u.status', '=', 'active')
    .where('u.message_email', '=', true)
    .orderBy('g.granted_at')
    .execute();
}
