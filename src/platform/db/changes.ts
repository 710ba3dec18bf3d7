// What an instance keeps in memory (sessions, open times) stays right because
// it hears of every change to what it copied, two ways: a database notice on
// a channel (sent by triggers, so any writer is heard: another instance, a
// job, an operator's SQL); and, at once, this process's own writes through
// Kysely (the plugin below), which are over before their notice can arrive
// on the listening connection.
import {
  AliasNode,
  AndNode,
  BinaryOperationNode,
  ColumnNode,
  DeleteQueryNode,
  InsertQueryNode,
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
  UpdateQueryNode,
  ValueListNode,
  ValueNode,
  ValuesNode,
} from 'kysely';

export interface Watcher<C> {
  /** What was copied may have changed; null: any of it (a write whose rows cannot be named). */
  changed(what: C | null): void;
  /** False while notices cannot be heard (the listening connection is down). */
  hearing(ok: boolean): void;
}

/** Starts listening to a channel; returns how to stop. */
export type Listen = (
  onNotice: (payload: string) => void,
  onHearing: (ok: boolean) => void,
) => Promise<() => Promise<void>>;

/**
 * What a statement of this process changes: undefined when it is no write
 * that matters, null when it cannot say which rows.
 */
export type WhatWrites<C> = (node: RootOperationNode) => C[] | null | undefined;

export class Changes<C> {
  private readonly watchers = new Set<Watcher<C>>();
  private stopListening: Promise<() => Promise<void>> | undefined;

  private readonly listen: Listen;
  private readonly fromNotice: (payload: string) => C | null;
  private readonly whatWrites: WhatWrites<C>;

  constructor(
    listen: Listen,
    fromNotice: (payload: string) => C | null,
    whatWrites: WhatWrites<C>,
  ) {
    this.listen = listen;
    this.fromNotice = fromNotice;
    this.whatWrites = whatWrites;
  }

  /** Tells `w` of every change from now on; returns how to stop. */
  async watch(w: Watcher<C>): Promise<() => Promise<void>> {
    this.watchers.add(w);
    this.stopListening ??= this.listen(
      (payload) => this.tell(this.fromNotice(payload)),
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

  private tell(what: C | null) {
    for (const w of this.watchers) w.changed(what);
  }

  /** Sees this process's writes (add it to the Kysely instance). */
  readonly plugin: KyselyPlugin = (() => {
    const writes = new WeakMap<object, C[] | null>();
    return {
      transformQuery: ({ node, queryId }: PluginTransformQueryArgs): RootOperationNode => {
        const what = this.whatWrites(node);
        if (what !== undefined) writes.set(queryId, what);
        return node;
      },
      transformResult: async ({
        result,
        queryId,
      }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => {
        const what = writes.get(queryId);
        writes.delete(queryId);
        // After the statement, so a read that starts now sees what it wrote.
        if (what !== undefined && (result.numAffectedRows ?? 1n) > 0n)
          for (const each of what ?? [null]) this.tell(each);
        return result;
      },
    };
  })();
}

// What a write names, read off its Kysely node: the table, the `column =
// value` conditions joined by AND in its where, and the values it inserts.

/** The table an insert, update or delete writes; undefined for any other statement. */
export function writtenTable(node: OperationNode): string | undefined {
  if (InsertQueryNode.is(node)) return tableName(node.into);
  if (UpdateQueryNode.is(node)) return tableName(node.table);
  if (DeleteQueryNode.is(node)) return tableName(node.from.froms[0]);
  return undefined;
}

export function tableName(node: OperationNode | undefined): string | undefined {
  if (node && AliasNode.is(node)) return tableName(node.node);
  if (node && TableNode.is(node)) return node.table.identifier.name;
  return undefined;
}

export function equalities(node: OperationNode | undefined): [string, unknown][] {
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

/** A column's value in each inserted row; null when any is not a plain value. */
export function insertedValues(node: InsertQueryNode, column: string): unknown[] | null {
  const at = (node.columns ?? []).findIndex((c) => c.column.name === column);
  const rows = node.values && ValuesNode.is(node.values) ? node.values.values : [];
  if (at < 0 || rows.length === 0) return null;
  const values = rows.map((row) => {
    if (PrimitiveValueListNode.is(row)) return row.values[at];
    const value = ValueListNode.is(row) ? row.values[at] : undefined;
    return value && ValueNode.is(value) ? value.value : undefined;
  });
  return values.includes(undefined) ? null : values;
}
