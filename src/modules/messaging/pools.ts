// A clinic's pools: which staff roles answer each topic, and how soon the
// clinic promises a first reply. A topic without a pool is not offered, and
// a patient writes only to a clinic they are registered at.
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Static } from 'typebox';
import { audit } from '../../platform/audit/audit.ts';
import { type Auth, auditSource } from '../../platform/auth/context.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import type { ModuleDeps } from '../../platform/http/module.ts';
import type { Role } from '../accounts/tables.ts';
import { worksPool } from './inbox.ts';
import type { MessageClinic as Clinic } from './model.ts';
import { TOPICS, type Topic } from './tables.ts';

type MessageClinic = Static<typeof Clinic>;

type Db = Kysely<Schema>;

export interface PoolSetup {
  topic: Topic;
  name_en: string;
  name_es: string;
  roles: Role[];
  target_business_days: number;
}

/** What a clinic starts with: the pools of the demo clinics and of the tests. */
export const DEFAULT_POOLS: PoolSetup[] = [
  {
    topic: 'medical',
    name_en: 'Medical question',
    name_es: 'Pregunta médica',
    roles: ['nurse', 'provider'],
    target_business_days: 2,
  },
  {
    topic: 'appointment',
    name_en: 'Appointment',
    name_es: 'Cita',
    roles: ['front_desk'],
    target_business_days: 2,
  },
  {
    topic: 'billing',
    name_en: 'Billing',
    name_es: 'Facturación',
    roles: ['support_agent', 'clinic_admin'],
    target_business_days: 3,
  },
  {
    topic: 'refill',
    name_en: 'Refill question',
    name_es: 'Pregunta sobre un resurtido',
    roles: ['nurse', 'provider'],
    target_business_days: 2,
  },
  {
    topic: 'other',
    name_en: 'Something else',
    name_es: 'Otro asunto',
    roles: ['front_desk', 'nurse'],
    target_business_days: 2,
  },
];

/** Gives the clinic the default pools it lacks; a pool it has is kept as it is. */
export async function addDefaultPools(db: Db, clinicId: string): Promise<void> {
  await db
    .insertInto('message_pools')
    .values(DEFAULT_POOLS.map((p) => ({ ...p, clinic_id: clinicId })))
    .onConflict((oc) => oc.columns(['clinic_id', 'topic']).doNothing())
    .execute();
}

/** The clinic's pool for a topic, if it takes messages about it. */
export function poolFor(db: Db, clinicId: string, topic: Topic) {
  return db
    .selectFrom('message_pools')
    .select(['id', 'target_business_days'])
    .where('clinic_id', '=', clinicId)
    .where('topic', '=', topic)
    .executeTakeFirst();
}

/**
 * Pools the staff member works, as the inbox reckons it (inbox.ts
 * `worksPool`): those of clinics where they hold one of the pool's roles,
 * and every pool of a clinic they are admin of (a group-wide grant counts
 * at every clinic).
 */
export async function staffPoolIds(db: Db, auth: Auth): Promise<string[]> {
  const grants = auth.roles;
  if (grants.length === 0) return [];
  const pools = await db.selectFrom('message_pools').select(['id', 'clinic_id', 'roles']).execute();
  const rolesAt = (clinicId: string) =>
    grants.filter((g) => g.clinicId === null || g.clinicId === clinicId).map((g) => g.role);
  return pools.filter((p) => worksPool(rolesAt(p.clinic_id), p.roles)).map((p) => p.id);
}

/** The clinics the patient is registered at that take messages, with their topics. */
export async function messageClinics(db: Db, patientId: string): Promise<MessageClinic[]> {
  const rows = await db
    .selectFrom('patient_clinics as pc')
    .innerJoin('clinics as c', 'c.id', 'pc.clinic_id')
    .innerJoin('message_pools as p', 'p.clinic_id', 'c.id')
    .select([
      'c.id as clinicId',
      'c.name as clinicName',
      'c.phone as clinicPhone',
      'p.topic',
      'p.name_en',
      'p.name_es',
      'p.target_business_days',
    ])
    .where('pc.patient_id', '=', patientId)
    .orderBy('c.name')
    .orderBy('c.id')
    .execute();
  const clinics = new Map<string, MessageClinic>();
  for (const r of rows) {
    const clinic = clinics.get(r.clinicId) ?? {
      clinicId: r.clinicId,
      clinicName: r.clinicName,
      clinicPhone: r.clinicPhone,
      topics: [],
    };
    clinic.topics.push({
      topic: r.topic,
      name: { en: r.name_en, es: r.name_es },
      targetBusinessDays: r.target_business_days,
    });
    clinics.set(r.clinicId, clinic);
  }
  // The topics in the order the form lists them.
  for (const c of clinics.values())
    c.topics.sort((a, b) => TOPICS.indexOf(a.topic) - TOPICS.indexOf(b.topic));
  return [...clinics.values()];
}

/**
 * A patient writes only to a clinic they are registered at, when starting a
 * conversation and again on every reply (registration can end meanwhile);
 * elsewhere it is the same audited 404 as a clinic that does not exist.
 */
export async function requireRegistered(
  deps: ModuleDeps,
  req: FastifyRequest,
  patientId: string,
  clinicId: string,
  attempted: 'create' | 'reply' | 'update',
) {
  const registered = await deps.db
    .selectFrom('patient_clinics')
    .select('clinic_id')
    .where('patient_id', '=', patientId)
    .where('clinic_id', '=', clinicId)
    .executeTakeFirst();
  if (registered) return;
  await audit(deps.db, auditSource(req), {
    action: 'access_denied',
    outcome: 'failure',
    resourceType: 'Communication',
    patientId,
    clinicId,
    details: { attempted, reason: 'not_registered' },
  });
  throw new ApiError(
    404,
    'not_found',
    'That clinic was not found among yours. You can write to the clinics where you are a patient.',
  );
}
