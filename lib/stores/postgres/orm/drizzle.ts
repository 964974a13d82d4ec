import type { Pool } from 'pg';
import { InvalidOptionsError } from '../../../errors/invalid-options.error';
import type { RawQuery } from './orm-connection';

/** What the store uses of a Drizzle database on node-postgres (typed here: Drizzle stays optional). */
export interface DrizzleDatabaseLike {
  $client: unknown;
}

interface DrizzleTransactionLike {
  execute(query: unknown): Promise<{
    rows: Record<string, unknown>[];
    rowCount: number | null;
  }>;
  rollback(): never;
}

const isPool = (value: unknown): value is Pool =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Pool).connect === 'function' &&
  typeof (value as Pool).totalCount === 'number';

/** The `pg.Pool` a Drizzle database on node-postgres runs on (`db.$client`). */
export function drizzlePool(db: DrizzleDatabaseLike): Pool {
  if (!isPool(db.$client)) {
    throw new InvalidOptionsError(
      'PostgresStore drizzle',
      db.$client,
      'a Drizzle database on node-postgres over a pg.Pool: drizzle({ client: pool }) or drizzle(url) from "drizzle-orm/node-postgres"',
    );
  }
  return db.$client;
}

/**
 * The `tx` of `db.transaction(async (tx) => ...)`. Its statement is built with Drizzle's own
 * `sql` (from the app's `drizzle-orm`), each `$n` a parameter. `undefined` when `value` is not one.
 */
export function drizzleTransaction(value: object): RawQuery | undefined {
  const tx = value as Partial<DrizzleTransactionLike>;
  if (typeof tx.execute !== 'function' || typeof tx.rollback !== 'function') {
    return undefined;
  }
  return async (text, values) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { sql } = require('drizzle-orm') as typeof import('drizzle-orm');
    const parts = text.split(/\$(\d+)/);
    const strings = parts.filter((_, i) => i % 2 === 0);
    const params = parts
      .filter((_, i) => i % 2 === 1)
      .map((n) => values[Number(n) - 1]);
    const template = Object.assign([...strings], { raw: strings });
    const result = await (tx as DrizzleTransactionLike).execute(
      sql(template, ...params),
    );
    return { rows: result.rows, rowCount: result.rowCount };
  };
}
