import type { Pool } from 'pg';
import { InvalidOptionsError } from '../../../errors/invalid-options.error';
import { messages } from '../../../lidex.messages';
import type { RawQuery } from './orm-connection';

/** What the store uses of a TypeORM `DataSource` (typed here, so that TypeORM stays optional). */
export interface TypeOrmDataSourceLike {
  options: { type: string };
  isInitialized: boolean;
  driver: object;
}

interface QueryRunnerLike {
  isTransactionActive: boolean;
  isReleased?: boolean;
  query(
    text: string,
    values: unknown[],
    structured: true,
  ): Promise<{ records: Record<string, unknown>[]; affected?: number }>;
}

export function isTypeOrmDataSource(value: unknown): boolean {
  const ds = value as Partial<TypeOrmDataSourceLike> | null;
  return (
    typeof ds === 'object' &&
    ds !== null &&
    typeof ds.options === 'object' &&
    typeof (ds as { initialize?: unknown }).initialize === 'function'
  );
}

/**
 * The `pg.Pool` of an initialized TypeORM `DataSource` on PostgreSQL (its driver's `master`): the
 * store's statements share it, and LISTEN opens one connection with its settings.
 */
export function typeOrmPool(dataSource: TypeOrmDataSourceLike): Pool {
  if (dataSource.options.type !== 'postgres') {
    throw new InvalidOptionsError(
      'PostgresStore typeorm',
      `a DataSource of type "${dataSource.options.type}"`,
      'a TypeORM DataSource with type: "postgres"',
    );
  }
  const pool = (dataSource.driver as { master?: Pool }).master;
  if (!dataSource.isInitialized || !pool) {
    throw new InvalidOptionsError(
      'PostgresStore typeorm',
      'a DataSource not yet initialized',
      messages.postgresOrmNotReady(
        "TypeORM's DataSource",
        'call `await dataSource.initialize()` before the store opens (TypeOrmModule does)',
      ),
    );
  }
  return pool;
}

/**
 * A TypeORM transaction: the `EntityManager` of `dataSource.transaction(manager => ...)`, or a
 * `QueryRunner` after `startTransaction()`. `undefined` when `value` is neither.
 */
export function typeOrmTransaction(value: object): RawQuery | undefined {
  const runner: QueryRunnerLike | undefined =
    'queryRunner' in value && 'connection' in value
      ? (value as { queryRunner?: QueryRunnerLike }).queryRunner
      : 'isTransactionActive' in value && 'manager' in value
        ? (value as unknown as QueryRunnerLike)
        : undefined;
  if (!runner || !runner.isTransactionActive || runner.isReleased) {
    return undefined;
  }
  return async (text, values) => {
    const result = await runner.query(text, values, true);
    return { rows: result.records, rowCount: result.affected ?? null };
  };
}
