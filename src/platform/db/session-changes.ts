// What a session may do changes when the session, its user, their roles or
// their passkeys change. An instance that keeps sessions in memory
// (../auth/session-cache.ts) hears of every such change two ways: the
// database's `session_change` notice (migration 0014), from any writer, by
// user id; and, at once, this process's own writes through Kysely (the
// plugin below), which are over before their notice can arrive on the
// listening connection.
import {
  AliasNode,
  type KyselyPlugin,
  type OperationNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  TableNode,
  type UnknownRow,
} from 'kysely';

export const SESSION_CHANGE_CHANNEL = 'session_change';

export interface SessionWatcher {
  /** A user's sessions may have changed; null: someone's (a write seen here, not whose). */
  changed(userId: string | null): void;
  /** False while notices cannot be heard (the listening connection is down). */
  hearing(ok: boolean): void;
}

/** Starts listening to the channel; returns how to stop. */
export type Listen = (
  onNotice: (payload: string) => void,
  onHearing: (ok: boolean) => void,
) => Promise<() => Promise<void>>;

const WATCHED = new Set(['sessions', 'users', 'user_roles', 'passkeys']);

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
      (userId) => this.tell(userId),
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

  private tell(userId: string | null) {
    for (const w of this.watchers) w.changed(userId);
  }

  /** Sees this process's writes to the watched tables (add it to the Kysely instance). */
  readonly plugin: KyselyPlugin = (() => {
    const writes = new WeakSet<object>();
    return {
      transformQuery: ({ node, queryId }: PluginTransformQueryArgs): RootOperationNode => {
        if (changesSessions(node)) writes.add(queryId);
        return node;
      },
      transformResult: async ({
        result,
        queryId,
      }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => {
        // After the statement, so a read that starts now sees what it wrote.
        if (writes.delete(queryId) && (result.numAffectedRows ?? 1n) > 0n) this.tell(null);
        return result;
      },
    };
  })();
}

/** A write to a watched table (the idle clock's tick is raw SQL, not seen here). */
function changesSessions(node: RootOperationNode): boolean {
  switch (node.kind) {
    case 'InsertQueryNode':
      // A new session has a token nobody has used yet.
      return WATCHED.has(tableName(node.into) ?? '') && tableName(node.into) !== 'sessions';
    case 'UpdateQueryNode':
      return WATCHED.has(tableName(node.table) ?? '');
    case 'DeleteQueryNode':
      return node.from.froms.some((f) => WATCHED.has(tableName(f) ?? ''));
    default:
      return false;
  }
}

function tableName(node: OperationNode | undefined): string | undefined {
  if (node && AliasNode.is(node)) return tableName(node.node);
  if (node && TableNode.is(node)) return node.table.identifier.name;
  return undefined;
}
