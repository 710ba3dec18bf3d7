// What the patient is told about a refill request by e-mail, in their
// language. Mail rests outside our control, so it names the clinic and links
// to the request: never the medication, the pharmacy, a question or a reason.
import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import { languageOf, patientAddress, queueMail } from '../../platform/mail/mail.ts';
import type { Language } from '../../platform/mail/messages.ts';

type Db = Kysely<Schema>;

/** received: the patient's own submission; updated: any news from the clinic or the EHR. */
export type RefillNotice = 'received' | 'updated';

const TEXT = {
  en: {
    received: ['We received your refill request', 'Your refill request to {clinic} was received.'],
    updated: [
      'Your refill request was updated',
      'There is news about your refill request to {clinic}.',
    ],
    details: 'See it in the portal:',
    call: 'Questions? Call the clinic at {phone}.',
    sign: '— Your portal team',
  },
  es: {
    received: [
      'Recibimos su solicitud de resurtido',
      'Se recibió su solicitud de resurtido a {clinic}.',
    ],
    updated: [
      'Se actualizó su solicitud de resurtido',
      'Hay novedades sobre su solicitud de resurtido a {clinic}.',
    ],
    details: 'Véala en el portal:',
    call: '¿Preguntas? Llame a la clínica al {phone}.',
    sign: '— El equipo del portal',
  },
} as const;

const fill = (s: string, v: Record<string, string>) =>
  s.replace(/\{(\w+)\}/g, (_, k: string) => v[k] ?? '');

export const refillUrl = (publicUrl: string, id: string) => `${publicUrl}/refills/${id}`;

/** Subject and text of a notice: the clinic and a link, nothing clinical. */
export function refillNoticeText(
  lang: Language,
  notice: RefillNotice,
  f: { clinicName: string; clinicPhone: string },
  url: string,
): { subject: string; text: string } {
  const t = TEXT[lang];
  const [subject, line] = t[notice];
  const vars = { clinic: f.clinicName, phone: f.clinicPhone };
  const text = [fill(line, vars), '', t.details, url, '', fill(t.call, vars), '', t.sign];
  return { subject, text: text.join('\n') };
}

/**
 * Queues the notice in the caller's transaction; nothing when the patient has
 * no address. Written to the patient, as appointment notices are (a
 * caregiver sees the change in the portal).
 */
export async function queueRefillNotice(
  trx: Db,
  requestId: string,
  publicUrl: string,
  notice: RefillNotice = 'updated',
): Promise<void> {
  const r = await trx
    .selectFrom('refill_requests as r')
    .innerJoin('clinics as c', 'c.id', 'r.clinic_id')
    .select(['r.patient_id', 'c.name', 'c.phone'])
    .where('r.id', '=', requestId)
    .executeTakeFirstOrThrow();
  const to = await patientAddress(trx, r.patient_id);
  if (!to) return;
  const lang = await languageOf(trx, { patientId: r.patient_id });
  await queueMail(trx, {
    to,
    ...refillNoticeText(
      lang,
      notice,
      { clinicName: r.name, clinicPhone: r.phone },
      refillUrl(publicUrl, requestId),
    ),
  });
}
