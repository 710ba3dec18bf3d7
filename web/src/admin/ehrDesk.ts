// The EHR desk's rules, free of React so they are unit tested: the filters
// as URL parameters, what can be done with an outbox row or a discrepancy,
// and the field-by-field comparison of the portal's and the EHR's versions.

export const OUTBOX_STATUSES = [
  'pending',
  'sending',
  'failed',
  'dead',
  'confirmed',
  'discarded',
] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

export const DISCREPANCY_TYPES = [
  'demographics_changed',
  'appointment_missing_in_ehr',
  'appointment_changed_in_ehr',
  'slot_booked_in_ehr',
  'medication_discontinued_with_pending_refill',
] as const;
export type DiscrepancyType = (typeof DISCREPANCY_TYPES)[number];

export const DISCREPANCY_STATUSES = ['open', 'resolved', 'dismissed'] as const;
export type DiscrepancyStatus = (typeof DISCREPANCY_STATUSES)[number];

export type ResolveAction = 'take_ehr' | 'push_portal' | 'dismiss';

export interface OutboxItem {
  id: string;
  kind: string;
  status: OutboxStatus;
  attempts: number;
  lastError: string | null;
  note: string | null;
  patientId: string | null;
  clinic: { id: string; name: string };
  ehrResourceType: string | null;
  ehrId: string | null;
  createdAt: string;
  updatedAt: string;
  nextAttemptAt: string | null;
  confirmedAt: string | null;
}

export interface OutboxPage {
  items: OutboxItem[];
  total: number;
  page: number;
  pageSize: number;
  counts: Partial<Record<OutboxStatus, number>>;
}

export interface Discrepancy {
  id: string;
  type: DiscrepancyType;
  severity: 'low' | 'medium' | 'high';
  status: DiscrepancyStatus;
  clinic: { id: string; name: string; timeZone: string };
  patient: { id: string; name: string } | null;
  portalVersion: Record<string, unknown> | null;
  ehrVersion: Record<string, unknown> | null;
  ehrReference: string | null;
  suggestedAction: 'take_ehr' | 'push_portal' | 'review';
  resolution: ResolveAction | 'cleared' | null;
  note: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  pushStatus: OutboxStatus | null;
  firstSeen: string;
  lastSeen: string;
}

export interface DiscrepancyPage {
  items: Discrepancy[];
  total: number;
  page: number;
  pageSize: number;
}

export interface OutboxSearch {
  status: '' | OutboxStatus;
  page: number;
}

export interface DiscrepancySearch {
  clinicId: string;
  type: '' | DiscrepancyType;
  status: DiscrepancyStatus;
  page: number;
}

/** Query parameters with the empty filters left out. */
export function searchParams(search: object): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(search))
    if (value !== '' && value !== undefined && value !== null) params.set(key, String(value));
  return params;
}

/** Retry makes a row due now; a row being sent, confirmed or discarded cannot be retried. */
export const canRetry = (status: OutboxStatus) =>
  status === 'pending' || status === 'failed' || status === 'dead';
export const canDiscard = canRetry;

/** What the portal can do about each type today; every open discrepancy can be dismissed. */
const RESOLVABLE: Partial<Record<DiscrepancyType, ResolveAction[]>> = {
  demographics_changed: ['take_ehr', 'push_portal', 'dismiss'],
  appointment_missing_in_ehr: ['push_portal', 'dismiss'],
  appointment_changed_in_ehr: ['take_ehr', 'dismiss'],
};

/**
 * The actions for an open discrepancy. One the server suggests staff review
 * with the patient (an appointment moved in the EHR) is settled with a note only.
 */
export function actionsFor(
  d: Pick<Discrepancy, 'type' | 'status'> & { suggestedAction?: Discrepancy['suggestedAction'] },
): ResolveAction[] {
  if (d.status !== 'open') return [];
  if (d.suggestedAction === 'review') return ['dismiss'];
  return RESOLVABLE[d.type] ?? ['dismiss'];
}

export interface FieldRow {
  field: string;
  portal: string;
  ehr: string;
  differs: boolean;
}

const shown = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);

/** Fields shown in this order (the database keeps JSON keys in an order of its own); others after. */
export const FIELD_ORDER = [
  'givenName',
  'familyName',
  'birthDate',
  'status',
  'start',
  'end',
  'practitioner',
  'appointment',
  'slot',
];

/** Fields holding an instant: shown in the clinic's zone, with the zone named. */
const INSTANTS = new Set(['start', 'end']);

/** A version's value as a person reads it: instants as the clinic's local date and time. */
export function readable(field: string, value: string, lang: string, timeZone: string): string {
  if (!INSTANTS.has(field) || !value) return value;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) return value;
  const locale = lang === 'es' ? 'es-US' : 'en-US';
  // dateStyle cannot be combined with timeZoneName: the zone is added on its own.
  const when = new Intl.DateTimeFormat(locale, {
    timeZone,
    dateStyle: 'medium',
    timeStyle: 'short',
  });
  const zone = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')?.value;
  return `${when.format(at)} ${zone ?? timeZone}`;
}

const rank = (field: string) => {
  const i = FIELD_ORDER.indexOf(field);
  return i === -1 ? FIELD_ORDER.length : i;
};

/**
 * Both versions field by field: known fields in their usual order, then the
 * rest by name. A field one side lacks counts as empty there.
 */
export function fieldDiff(
  portal: Record<string, unknown> | null,
  ehr: Record<string, unknown> | null,
): FieldRow[] {
  const fields = [...new Set([...Object.keys(portal ?? {}), ...Object.keys(ehr ?? {})])].sort(
    (a, b) => rank(a) - rank(b) || a.localeCompare(b),
  );
  return fields.map((field) => {
    const ours = shown(portal?.[field]);
    const theirs = shown(ehr?.[field]);
    return { field, portal: ours, ehr: theirs, differs: ours.trim() !== theirs.trim() };
  });
}

/** Kinds of change with a name in the translations; another kind shows as it is. */
export const KNOWN_KINDS = {
  'fhir.create': 'fhirCreate',
  'patient.demographics': 'patientDemographics',
  'appointment.book': 'appointmentBook',
  'appointment.cancel': 'appointmentCancel',
  'refill.request': 'refillRequest',
  'message.post': 'messagePost',
} as const;
export type KindKey = (typeof KNOWN_KINDS)[keyof typeof KNOWN_KINDS];

export const kindKey = (kind: string): KindKey | null =>
  (KNOWN_KINDS as Record<string, KindKey>)[kind] ?? null;
