// Which times are open changes with the slots, the appointments and holds on
// them, and the rules and registrations around them. An instance that keeps
// searches in memory (../../modules/scheduling/open-times-memory.ts) hears of
// each (./changes.ts): from the database by clinic, provider or slot
// (migration 0015), and from this process's own writes to those tables, by
// the slot a booking or hold is on, or else as "any clinic's".
import {
  type DeleteQueryNode,
  InsertQueryNode,
  type OperationNode,
  type RootOperationNode,
  type UpdateQueryNode,
  type WhereNode,
} from 'kysely';
import { type AppointmentStatus, RELEASED } from '../../modules/scheduling/tables.ts';
import {
  Changes,
  equalities,
  insertedValues,
  type Listen,
  type Watcher,
  writtenTable,
} from './changes.ts';

export const OPEN_TIMES_CHANNEL = 'open_times_change';

/**
 * A clinic's open times, or one provider's there; or one slot's, which
 * touches only answers that list it: a hold on it changed, or it was taken.
 */
export type OpenTimesChange =
  | { clinicId: string; providerId?: string }
  | { slotId: number; taken?: true };
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
  new Changes(listen, fromNotice, whatWrites);

/** As migration 0015 says it; '*' when the row's clinic is gone with it (a hold on a deleted slot). */
function fromNotice(payload: string): OpenTimesChange | null {
  const [clinicId, providerId, slot, what] = payload.split(' ');
  if (!clinicId || clinicId === '*') return null;
  if (slot)
    return what === 'taken' ? { slotId: Number(slot), taken: true } : { slotId: Number(slot) };
  return providerId ? { clinicId, providerId } : { clinicId };
}

/**
 * What a statement of this process changes: the slots its holds and new
 * appointments are on, when it names them (inserted, or picked by `slot_id
 * =`); any clinic's times when it writes a watched table otherwise; undefined
 * when it writes none. A statement's WITH parts are writes of their own.
 */
function whatWrites(node: RootOperationNode): OpenTimesChange[] | null | undefined {
  const parts = [
    node,
    ...(('with' in node && node.with?.expressions) || []).map(
      (cte) => cte.expression as RootOperationNode,
    ),
  ];
  let named: OpenTimesChange[] | undefined;
  for (const part of parts) {
    const changes = slotsWritten(part);
    if (changes === null) return null;
    if (changes) named = [...(named ?? []), ...changes];
  }
  return named;
}

/**
 * Holds never change which slots an answer lists (it lists held times too),
 * and a new appointment only takes its slot out; so these writes are named by
 * slot. Releasing an appointment can put its slot back anywhere.
 */
function slotsWritten(node: OperationNode): OpenTimesChange[] | null | undefined {
  const table = writtenTable(node);
  if (!table || !TABLES.has(table)) return undefined;
  if (table === 'slot_holds') {
    const slots = InsertQueryNode.is(node)
      ? insertedValues(node, 'slot_id')
      : pickedSlot((node as UpdateQueryNode | DeleteQueryNode).where);
    return slotIds(slots)?.map((slotId) => ({ slotId })) ?? null;
  }
  if (table === 'appointments' && InsertQueryNode.is(node)) {
    const live = insertedValues(node, 'status')?.every(
      (s) => !RELEASED.includes(s as AppointmentStatus),
    );
    const slots = live ? slotIds(insertedValues(node, 'slot_id')) : null;
    return slots?.map((slotId) => ({ slotId, taken: true as const })) ?? null;
  }
  return null;
}

const slotIds = (values: unknown[] | null) =>
  values?.every((id) => typeof id === 'number') ? (values as number[]) : null;

const pickedSlot = (where: WhereNode | undefined) => {
  const slot = equalities(where?.where).find(([column]) => column === 'slot_id');
  return slot ? [slot[1]] : null;
};
