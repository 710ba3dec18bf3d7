// What a session may do changes when the session, its user, their roles or
// their passkeys change. An instance that keeps sessions in memory
// (../auth/session-cache.ts) hears of every such change two ways: the
// database's `session_change` notice (migration 0014), from any writer, by
// user id; and, at once, this process's own writes through Kysely (the
// plugin below), which are over before their notice can arrive on the
// listening connection. The plugin names whose sessions a write touches when
// its rows are picked by an id or e-mail; otherwise it says "anyone's".
import {
  AliasNode,
  AndNode,
  BinaryOperationNode,
  ColumnNode,
  type InsertQueryNode,
  type KyselyPlugin,
  type OperationNode,
  OperatorNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  PrimitiveValueListNode,
  type QueryResult,
  ReferenceNode,
  type RootOperationNode,
  TableNode,
  type UnknownRow,
  ValueNode,
  ValuesNode,
  type WhereNode,
} from 'kysely';

export const SESSION_CHANGE_CHANNEL = 'session_change';

/** Whose sessions a change touches: a user's, one session, or an e-mail's account. */
export interface SessionChange {
  userId?: string;
  sessionId?: string;
  email?: string;
}

export interface SessionWatcher {
  /** Sessions may have changed; null: anyone's (a write seen here whose rows it cannot name). */
  changed(who: SessionChange | null): void;
  /** False while notices cannot be heard (the listening connection is down). */
  hearing(ok: boolean): void;
}

/** Starts listening to the channel; returns how to stop. */
export type Listen = (
  onNotice: (payload: string) => void,
  onHearing: (ok: boolean) => void,
) => Promise<() => Promise<void>>;

/** The watched tables, and the columns that name whose sessions a row is. */
const NAMING: Record<string, Record<string, keyof SessionChange>> = {
  sessions: { id: 'sessionId', user_id: 'userId' },
  users: { id: 'userId', email: 'email' },
  user_roles: { user_id: 'userId' },
  passkeys: { user_id: 'userId' },
};

export class SessionChanges {
  private readonly watchers = new Set<SessionWatcher>();
  private stopListening: Promise<() => Promise<void>> | undefined;

  private readonly listen: Listen;

  constructor(listen: Listen) {
    this.listen = listen;
  }

  /** Tells `w` of every change from now on; returns how to stop. */
  async watch(w: SessionWatcher): Promise<() => Promise<void>> {
    this.watchers.add(w);
    this.stopListening ??= this.listen(
      (userId) => this.tell({ userId }),
      (ok) => {
        for (const each of this.watchers) each.hearing(ok);
      },
    );
    await this.stopListening;
    return async () => {
      this.watchers.delete(w);
      if (this.watchers.size > 0 || !this.stopListening) return;
      const stop = this.stopListening;
      this.stopListening = undefined;
      await (await stop)();
    };
  }

  private tell(who: SessionChange | null) {
    for (const w of this.watchers) w.changed(who);
  }

  /** Sees this process's writes to the watched tables (add it to the Kysely instance). */
  readonly plugin: KyselyPlugin = (() => {
    const writes = new WeakMap<object, SessionChange[] | null>();
    return {
      transformQuery: ({ node, queryId }: PluginTransformQueryArgs): RootOperationNode => {
        const who = whoseSessions(node);
        if (who !== undefined) writes.set(queryId, who);
        return node;
      },
      transformResult: async ({
        result,
        queryId,
      }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => {
        const who = writes.get(queryId);
        writes.delete(queryId);
        // After the statement, so a read that starts now sees what it wrote.
        if (who !== undefined && (result.numAffectedRows ?? 1n) > 0n)
          for (const each of who ?? [null]) this.tell(each);
        return result;
      },
    };
  })();
}

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

function tableName(node: OperationNode | undefined): string | undefined {
  if (node && AliasNode.is(node)) return tableName(node.node);
  if (node && TableNode.is(node)) return node.table.identifier.name;
  return undefined;
}
