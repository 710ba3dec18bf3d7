// The demo clinics' messaging set-up: the default pools (who answers which
// topic, and how soon) and a few quick replies in English and Spanish.
// Idempotent: a pool or template the clinic has (by topic, by name) is kept.
import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import { demoClinics } from '../clinics/demo.ts';
import { addDefaultPools } from './pools.ts';

type Db = Kysely<Schema>;

/** Quick replies; {{patientFirstName}}, {{clinicName}} and {{staffName}} are filled in when used. */
export const demoTemplates = [
  {
    name: 'Received, will follow up',
    body_en:
      'Hello {{patientFirstName}}, thank you for your message. We have received it and will follow up soon. — {{staffName}}, {{clinicName}}',
    body_es:
      'Hola {{patientFirstName}}, gracias por su mensaje. Lo recibimos y le responderemos pronto. — {{staffName}}, {{clinicName}}',
  },
  {
    name: 'Please book a visit',
    body_en:
      'Hello {{patientFirstName}}, this is best looked at in person. Please book a visit in the portal or call {{clinicName}}. — {{staffName}}',
    body_es:
      'Hola {{patientFirstName}}, es mejor revisarlo en persona. Reserve una cita en el portal o llame a {{clinicName}}. — {{staffName}}',
  },
  {
    name: 'Refill sent to pharmacy',
    body_en:
      'Hello {{patientFirstName}}, your refill has been sent to your pharmacy. Please allow one business day for it to be ready. — {{staffName}}, {{clinicName}}',
    body_es:
      'Hola {{patientFirstName}}, su resurtido fue enviado a su farmacia. Espere un día hábil para que esté listo. — {{staffName}}, {{clinicName}}',
  },
  {
    name: 'Billing will call you',
    body_en:
      'Hello {{patientFirstName}}, our billing team at {{clinicName}} will call you within two business days about your question. — {{staffName}}',
    body_es:
      'Hola {{patientFirstName}}, nuestro equipo de facturación de {{clinicName}} le llamará en un plazo de dos días hábiles sobre su pregunta. — {{staffName}}',
  },
];

/** Gives each demo clinic its pools and quick replies; returns how many clinics it looked at. */
export async function seedMessagingDemo(db: Db): Promise<number> {
  const clinics = await db
    .selectFrom('clinics')
    .select('id')
    .where(
      'slug',
      'in',
      demoClinics.map((c) => c.slug),
    )
    .execute();
  for (const clinic of clinics) {
    await addDefaultPools(db, clinic.id);
    await db
      .insertInto('message_templates')
      .values(demoTemplates.map((t) => ({ ...t, clinic_id: clinic.id })))
      .onConflict((oc) => oc.columns(['clinic_id', 'name']).doNothing())
      .execute();
  }
  return clinics.length;
}
