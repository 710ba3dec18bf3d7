// CSV for spreadsheets (RFC 4180). A cell that a spreadsheet would run as a
// formula (starting with = + - @, or a tab or carriage return) gets a
// leading apostrophe, so an audit row holding "=HYPERLINK(...)" in its user
// agent stays text when the export is opened.
import type { AuditEventRow } from './events.ts';

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvLine = (cells: unknown[]) => `${cells.map(csvCell).join(',')}\r\n`;

const COLUMNS: [string, (e: AuditEventRow) => unknown][] = [
  ['id', (e) => String(e.id)],
  ['occurred_at', (e) => e.occurredAt],
  ['actor_user_id', (e) => e.actor.userId],
  ['actor_name', (e) => e.actor.name],
  ['actor_email', (e) => e.actor.email],
  ['actor_role', (e) => e.actor.role],
  ['acting_for_patient_id', (e) => e.actingFor.patientId],
  ['acting_for_patient', (e) => e.actingFor.name],
  ['action', (e) => e.action],
  ['resource_type', (e) => e.resourceType],
  ['resource_id', (e) => e.resourceId],
  ['patient_id', (e) => e.patient.id],
  ['patient', (e) => e.patient.name],
  ['clinic_id', (e) => e.clinic.id],
  ['clinic', (e) => e.clinic.name],
  ['outcome', (e) => e.outcome],
  ['ip', (e) => e.ip],
  ['user_agent', (e) => e.userAgent],
  ['request_id', (e) => e.requestId],
  ['details', (e) => e.details],
];

export function eventsCsv(events: AuditEventRow[]): string {
  return (
    csvLine(COLUMNS.map(([name]) => name)) +
    events.map((e) => csvLine(COLUMNS.map(([, cell]) => cell(e)))).join('')
  );
}
