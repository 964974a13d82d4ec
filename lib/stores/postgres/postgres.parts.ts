import { postgresBatchStatements } from './postgres.batch-statements';
import { PostgresClaims } from './postgres.claims';
import { PostgresCompensation } from './postgres.compensation';
import type { SchemaConnection } from './postgres.migrate';
import { PostgresOperations } from './postgres.operations';
import type { Queryable } from './postgres.queryable';
import { PostgresReads } from './postgres.reads';
import { PostgresRetention } from './postgres.retention';
import { PostgresRunWrites } from './postgres.run-writes';
import { PostgresSchedules } from './postgres.schedules';
import { signalStatements } from './postgres.signals';
import { postgresStatements } from './postgres.statements';
import { PostgresWrites } from './postgres.writes';

/**
 * The PostgreSQL store's parts for `schema`, each over the store's `query` and `transaction`
 * (which refuse until the store is open): its statements, the channel its notifications go to,
 * and one object per role the store delegates to.
 */
export function postgresParts(
  schema: string,
  query: Queryable,
  transaction: SchemaConnection['transaction'],
) {
  const sql = postgresStatements(schema);
  const channel = `lidex_${schema}`;
  const signalSql = signalStatements(schema);
  const compensation = new PostgresCompensation(query, schema, channel);
  return {
    sql,
    channel,
    signalSql,
    /** Schedules (postgres.schedules.ts), in `<schema>.schedules`. */
    schedules: new PostgresSchedules(
      (statement, values) => query(statement, values),
      schema,
      channel,
    ),
    retention: new PostgresRetention(query, schema),
    compensation,
    /** Inserts, steps and finishes: those written in one turn share a statement. */
    writes: new PostgresWrites(
      query,
      sql,
      postgresBatchStatements(schema),
      channel,
    ),
    claims: new PostgresClaims(query, transaction, sql, schema),
    runWrites: new PostgresRunWrites(query, sql, signalSql, channel),
    reads: new PostgresReads(query, sql, schema),
    operations: new PostgresOperations(query, sql, compensation, channel),
  };
}

export type PostgresParts = ReturnType<typeof postgresParts>;
