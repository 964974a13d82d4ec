import { randomUUID } from 'node:crypto';
import {
  type MysqlQuery,
  type MysqlSource,
  toResult,
} from '../mysql.connection';

/** What the store uses of a Kysely instance on MySQL (typed here: Kysely stays optional). */
export interface KyselyLike {
  isTransaction: boolean;
  executeQuery(
    query: unknown,
  ): Promise<{ rows: unknown[]; numAffectedRows?: bigint }>;
  connection(): { execute<T>(run: (db: KyselyLike) => Promise<T>): Promise<T> };
}

/** A compiled raw query, as Kysely's `CompiledQuery.raw(sql, values)` builds it. */
const compiled = (sql: string, values: unknown[]) => ({
  sql,
  parameters: values,
  query: { kind: 'RawNode', sqlFragments: [sql], parameters: [] },
  queryId: { queryId: randomUUID() },
});

const run =
  (db: KyselyLike): MysqlQuery =>
  async (sql, values = []) => {
    const result = await db.executeQuery(compiled(sql, values));
    // Kysely's MySQL driver hands a CALL's result sets (and a SELECT's rows) over as its rows.
    return toResult(
      result.rows,
      result.numAffectedRows === undefined
        ? undefined
        : Number(result.numAffectedRows),
    );
  };

/** The store's statements through Kysely's own pool; a session on one of its connections. */
export function kyselySource(db: KyselyLike): MysqlSource {
  return {
    query: run(db),
    session: (body) =>
      db.connection().execute((connection) => body(run(connection))),
  };
}

/** A Kysely `Transaction` (`db.transaction().execute(async (trx) => ...)`), else `undefined`. */
export function kyselyTransaction(value: object): MysqlQuery | undefined {
  const trx = value as Partial<KyselyLike>;
  return trx.isTransaction === true && typeof trx.executeQuery === 'function'
    ? run(trx as KyselyLike)
    : undefined;
}
