// Writes audit events. Always call it with the transaction of the action it
// records, so the action and its audit row commit or fail together.
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import type { AuditAction } from './tables.ts';

/** Who is asking, from where: filled from the session for every request. */
export interface AuditSource {
  actorUserId: string | null;
  actorRole: string | null;
  /** As the actor is named now; kept in the row, so a later rename changes no history. */
  actorName?: string | null;
  actingForPatientId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export interface AuditEntry {
  action: AuditAction;
  outcome?: 'success' | 'failure';
  resourceType?: string;
  resourceId?: string;
  patientId?: string | null;
  clinicId?: string | null;
  /** Never PHI: reasons, counts, field names. */
  details?: Record<string, unknown>;
  /** For events before a session exists (a failed sign-in names the account). */
  actorUserId?: string | null;
}

export const SYSTEM_SOURCE: AuditSource = {
  actorUserId: null,
  actorRole: 'system',
  actingForPatientId: null,
  ip: null,
  userAgent: null,
  requestId: null,
};

const row = (source: AuditSource, entry: AuditEntry) => ({
  actor_user_id: entry.actorUserId !== undefined ? entry.actorUserId : source.actorUserId,
  actor_role: source.actorRole,
  actor_name: source.actorName?.slice(0, 200) ?? null,
  acting_for_patient_id: source.actingForPatientId,
  action: entry.action,
  resource_type: entry.resourceType ?? null,
  resource_id: entry.resourceId ?? null,
  patient_id: entry.patientId ?? null,
  clinic_id: entry.clinicId ?? null,
  outcome: entry.outcome ?? 'success',
  ip: source.ip,
  user_agent: source.userAgent?.slice(0, 300) ?? null,
  request_id: source.requestId,
  details: entry.details ? JSON.stringify(entry.details) : null,
});

export async function audit(db: Kysely<Schema>, source: AuditSource, entry: AuditEntry) {
  await auditInsert(db, source, entry).execute();
}

/** The audit row's insert, not yet run: for a caller that writes it in one statement with its change. */
export const auditInsert = (db: Kysely<Schema>, source: AuditSource, entry: AuditEntry) =>
  db.insertInto('audit_events').values(row(source, entry));

/** Several events of one request in one statement (a search, one row per patient found). */
export async function auditMany(db: Kysely<Schema>, source: AuditSource, entries: AuditEntry[]) {
  if (entries.length === 0) return;
  await db
    .insertInto('audit_events')
    .values(entries.map((e) => row(source, e)))
    .execute();
}
