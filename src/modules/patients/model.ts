// What the staff API says about a patient: the schemas the routes answer with.
import { type Static, type TSchema, Type } from 'typebox';

export const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const ACCOUNT_STATES = ['none', 'invited', 'active', 'locked'] as const;
export type AccountState = (typeof ACCOUNT_STATES)[number];

export const PatientName = Type.Object({ given: Type.String(), family: Type.String() });

/** A registration at one of the clinics, with that clinic's record number. */
export const Registration = Type.Object({
  clinicId: Uuid,
  clinicName: Type.String(),
  mrn: Type.String(),
});

export const PatientSummary = Type.Object({
  id: Uuid,
  name: PatientName,
  birthDate: Type.String({ format: 'date' }),
  clinics: Type.Array(Registration),
  accountState: Type.Enum(ACCOUNT_STATES),
});
export type PatientSummary = Static<typeof PatientSummary>;

export const PatientPage = Type.Object({
  patients: Type.Array(PatientSummary),
  total: Type.Integer(),
  page: Type.Integer(),
  pageSize: Type.Integer(),
});

export const RELATIONSHIPS = ['parent', 'guardian', 'caregiver', 'other'] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];
export const RelationshipSchema = Type.Enum(RELATIONSHIPS);

export const ProxyGrant = Type.Object({
  id: Uuid,
  proxyUserId: Uuid,
  proxyName: Type.String(),
  proxyEmail: Type.String(),
  relationship: RelationshipSchema,
  expiresAt: DateTime,
  grantedAt: DateTime,
  active: Type.Boolean({ description: 'false once expired' }),
});

export const PatientRecord = Type.Object({
  patient: Type.Object({
    id: Uuid,
    name: PatientName,
    birthDate: Type.String({ format: 'date' }),
    email: Nullable(Type.String()),
    phone: Nullable(Type.String()),
  }),
  clinics: Type.Array(Registration),
  account: Nullable(
    Type.Object({
      userId: Uuid,
      email: Type.String(),
      status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
      state: Type.Enum(ACCOUNT_STATES),
      lockedUntil: Nullable(DateTime),
      mfaEnabled: Type.Boolean(),
    }),
  ),
  activationCode: Nullable(Type.Object({ expiresAt: DateTime })),
  proxies: Type.Array(ProxyGrant),
});
export type PatientRecord = Static<typeof PatientRecord>;
