import { randomUUID } from 'node:crypto';
import {
  answersRows,
  type OrmConnection,
  type RawQuery,
} from './orm-connection';

/** What the store uses of a Kysely instance on PostgreSQL (typed here: Kysely stays optional). */
export interface KyselyLike {
  isTransaction: boolean;
  executeQuery(query: unknown): Promise<{
    rows: Record<string, unknown>[];
    numAffectedRows?: bigint;
  }>;
  transaction(): {
    execute<T>(run: (trx: KyselyLike) => Promise<T>): Promise<T>;
  };
}

/**
 * A compiled raw query, as Kysely's `CompiledQuery.raw(text, values)` builds it, made here so
 * that Lidex never imports Kysely (ESM or CommonJS, whichever the app has).
 */
const compiled = (text: string, values: unknown[]) => ({
  sql: text,
  parameters: values,
  query: { kind: 'RawNode', sqlFragments: [text], parameters: [] },
  queryId: { queryId: randomUUID() },
});

const run =
  (db: KyselyLike): RawQuery =>
  async (text, values) => {
    const result = await db.executeQuery(compiled(text, values));
    return {
      rows: result.rows,
      rowCount:
        result.numAffectedRows !== undefined
          ? Number(result.numAffectedRows)
          : answersRows(text)
            ? result.rows.length
            : null,
    };
  };

/** The store's statements through Kysely's own pool. */
export function kyselyConnection(db: KyselyLike): OrmConnection {
  return {
    query: run(db),
    transaction: (body) => db.transaction().execute((trx) => body(run(trx))),
  };
}

/** A Kysely `Transaction` (`db.transaction().execute(async (trx) => ...)`), else `undefined`. */
export function kyselyTransaction(value: object): RawQuery | undefined {
  const trx = value as Partial<KyselyLike>;
  return trx.isTransaction === true && typeof trx.executeQuery === 'function'
    ? run(trx as KyselyLike)
    : undefined;
}
