// What a session may do changes when the session, its user, their roles or
// their passkeys change. An instance that keeps sessions in memory
// (../auth/session-cache.ts) hears of each (./changes.ts): from the database
// by user id, and from this process's own writes, named by the id or e-mail
// that picks their rows, or else as "anyone's".
import {
  AliasNode,
  AndNode,
  BinaryOperationNode,
  ColumnNode,
  type InsertQueryNode,
  type OperationNode,
  OperatorNode,
  PrimitiveValueListNode,
  ReferenceNode,
  type RootOperationNode,
  TableNode,
  ValueNode,
  ValuesNode,
  type WhereNode,
} from 'kysely';
import { Changes, type Listen, type Watcher } from './changes.ts';

export const SESSION_CHANGE_CHANNEL = 'session_change';

/** Whose sessions a change touches: a user's, one session, or an e-mail's account. */
export interface SessionChange {
  userId?: string;
  sessionId?: string;
  email?: string;
}

export type SessionChanges = Changes<SessionChange>;
export type SessionWatcher = Watcher<SessionChange>;

/** The watched tables, and the columns that name whose sessions a row is. */
const NAMING: Record<string, Record<string, keyof SessionChange>> = {
  sessions: { id: 'sessionId', user_id: 'userId' },
  users: { id: 'userId', email: 'email' },
  user_roles: { user_id: 'userId' },
  passkeys: { user_id: 'userId' },
};

/** Changes to sessions, told by user id by the database (migration 0014). */
export const sessionChanges = (listen: Listen): SessionChanges =>
  new Changes(listen, (userId) => ({ userId }), whoseSessions);

/**
 * Whose sessions a write to a watched table touches: null when its rows are
 * not picked by a naming column; undefined when it is no such write (a new
 * session has a token nobody has used yet; the idle clock's tick is raw SQL).
 */
function whoseSessions(node: RootOperationNode): SessionChange[] | null | undefined {
  switch (node.kind) {
    case 'InsertQueryNode': {
      const table = tableName(node.into);
      return table === 'sessions' ? undefined : inserted(node, NAMING[table ?? '']);
    }
    case 'UpdateQueryNode':
      return picked(NAMING[tableName(node.table) ?? ''], node.where);
    case 'DeleteQueryNode':
      return picked(NAMING[tableName(node.from.froms[0]) ?? ''], node.where);
    default:
      return undefined;
  }
}

function picked(
  naming: Record<string, keyof SessionChange> | undefined,
  where: WhereNode | undefined,
): SessionChange[] | null | undefined {
  if (!naming) return undefined;
  // Conditions joined by AND: any one naming column narrows to those rows.
  for (const [column, value] of equalities(where?.where)) {
    const key = naming[column];
    if (key && typeof value === 'string') return [{ [key]: value }];
  }
  return null;
}

function equalities(node: OperationNode | undefined): [string, unknown][] {
  if (!node) return [];
  if (AndNode.is(node)) return [...equalities(node.left), ...equalities(node.right)];
  if (
    BinaryOperationNode.is(node) &&
    OperatorNode.is(node.operator) &&
    node.operator.operator === '=' &&
    ReferenceNode.is(node.leftOperand) &&
    ColumnNode.is(node.leftOperand.column) &&
    ValueNode.is(node.rightOperand)
  )
    return [[node.leftOperand.column.column.name, node.rightOperand.value]];
  return [];
}

/** The user ids of inserted rows (roles, passkeys), when given as plain values. */
function inserted(
  node: InsertQueryNode,
  naming: Record<string, keyof SessionChange> | undefined,
): SessionChange[] | null | undefined {
  if (!naming) return undefined;
  const at = (node.columns ?? []).findIndex((c) => naming[c.column.name] === 'userId');
  const rows = node.values && ValuesNode.is(node.values) ? node.values.values : [];
  const ids = rows.map((row) => {
    const value = PrimitiveValueListNode.is(row) ? row.values[at] : undefined;
    return typeof value === 'string' ? value : undefined;
  });
  if (at < 0 || ids.length === 0 || ids.includes(undefined)) return null;
  return ids.map((userId) => ({ userId }));
}

export function tableName(node: OperationNode | undefined): string | undefined {
  if (node && AliasNode.is(node)) return tableName(node.node);
  if (node && TableNode.is(node)) return node.table.identifier.name;
  return undefined;
}
