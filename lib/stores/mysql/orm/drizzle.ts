import { type MysqlQuery, toResult, wholeMs } from '../mysql.connection';

interface DrizzleTransactionLike {
  execute(query: unknown): Promise<unknown>;
  rollback(): never;
  /** Drizzle's query builder: what tells its `tx` from a mysql2 connection (both execute). */
  select(): unknown;
}

/**
 * The `tx` of a Drizzle database on mysql2 (`db.transaction(async (tx) => ...)`), else
 * `undefined`. Its statement is built with Drizzle's own `sql` (from the app's `drizzle-orm`),
 * each `?` a parameter.
 */
export function drizzleTransaction(value: object): MysqlQuery | undefined {
  const tx = value as Partial<DrizzleTransactionLike>;
  if (
    typeof tx.execute !== 'function' ||
    typeof tx.rollback !== 'function' ||
    typeof tx.select !== 'function'
  ) {
    return undefined;
  }
  return async (text, values = []) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { sql } = require('drizzle-orm') as typeof import('drizzle-orm');
    const strings = text.split('?');
    const template = Object.assign([...strings], { raw: strings });
    const answer = await (tx as DrizzleTransactionLike).execute(
      sql(template, ...values.map(wholeMs)),
    );
    // mysql2's [result, fields].
    return toResult(Array.isArray(answer) ? answer[0] : answer);
  };
}
