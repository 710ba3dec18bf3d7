// Which times are open changes with the slots, the appointments and holds on
// them, and the rules and registrations around them. An instance that keeps
// searches in memory (../../modules/scheduling/open-times-memory.ts) hears of
// each (./changes.ts): from the database by clinic and provider (migration
// 0015), and from this process's own writes to those tables, as "any
// clinic's" (they are picked by id, which does not name the clinic).
import {
  DeleteQueryNode,
  InsertQueryNode,
  type OperationNode,
  type RootOperationNode,
  UpdateQueryNode,
} from 'kysely';
import { Changes, type Listen, type Watcher } from './changes.ts';
import { tableName } from './session-changes.ts';

export const OPEN_TIMES_CHANNEL = 'open_times_change';

/** A clinic's open times, or only one provider's there. */
export interface OpenTimesChange {
  clinicId: string;
  providerId?: string;
}
export type OpenTimesChanges = Changes<OpenTimesChange>;
export type OpenTimesWatcher = Watcher<OpenTimesChange>;

const TABLES = new Set([
  'clinics',
  'patient_clinics',
  'providers',
  'visit_types',
  'visit_type_providers',
  'slots',
  'slot_holds',
  'appointments',
]);

export const openTimesChanges = (listen: Listen): OpenTimesChanges =>
  new Changes(listen, fromNotice, (node) => (writesTo(node) ? null : undefined));

/** "clinic" or "clinic provider"; '*' when the row's clinic is gone with it (a hold on a deleted slot). */
function fromNotice(payload: string): OpenTimesChange | null {
  const [clinicId, providerId] = payload.split(' ');
  if (!clinicId || clinicId === '*') return null;
  return providerId ? { clinicId, providerId } : { clinicId };
}

/** A write to a watched table, itself or in its WITH (where PostgreSQL allows the others). */
function writesTo(node: RootOperationNode): boolean {
  const target = writeTarget(node);
  if (target && TABLES.has(target)) return true;
  const ctes = 'with' in node ? node.with?.expressions : undefined;
  return (ctes ?? []).some((cte) => writesTo(cte.expression as RootOperationNode));
}

function writeTarget(node: OperationNode): string | undefined {
  if (InsertQueryNode.is(node)) return tableName(node.into);
  if (UpdateQueryNode.is(node)) return tableName(node.table);
  if (DeleteQueryNode.is(node)) return tableName(node.from.froms[0]);
  return undefined;
}
