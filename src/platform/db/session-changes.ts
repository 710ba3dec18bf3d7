// What a session may do changes when the session, its user, their roles or
// their passkeys change. An instance that keeps sessions in memory
// (../auth/session-cache.ts) hears of each (./changes.ts): from the database
// by user id, and from this process's own writes, named by the id or e-mail
// that picks their rows, or else as "anyone's".
import type { InsertQueryNode, RootOperationNode, WhereNode } from 'kysely';
import {
  Changes,
  equalities,
  insertedValues,
  type Listen,
  tableName,
  type Watcher,
} from './changes.ts';

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

/** The user ids of inserted rows (roles, passkeys), when given as plain values. */
function inserted(
  node: InsertQueryNode,
  naming: Record<string, keyof SessionChange> | undefined,
): SessionChange[] | null | undefined {
  if (!naming) return undefined;
  const column = Object.keys(naming).find((c) => naming[c] === 'userId');
  const ids = column ? insertedValues(node, column) : null;
  return ids?.every((id) => typeof id === 'string') ? ids.map((userId) => ({ userId })) : null;
}
