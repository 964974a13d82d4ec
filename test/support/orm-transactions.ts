import type { DataSource } from 'typeorm';
import type { LidexClient } from '@lidex/nestjs';
import type { Transact } from './transaction-start-cases';

/*
 * The app's own transactions that the MySQL and PostgreSQL ORM specs open alike: TypeORM's
 * (the same API on both) and a driver's connection after BEGIN (mysql2's and pg's both answer
 * `query(text, values)` and `release()`). `insertOrder` is the INSERT of one order id, in the
 * driver's placeholder style.
 */

/** TypeORM: the EntityManager of `dataSource.transaction()`. */
export function typeOrmManagerTransact(
  dataSource: DataSource,
  insertOrder: string,
): Transact {
  return (body) =>
    dataSource.transaction((manager) =>
      body(manager, async (id) => {
        await manager.query(insertOrder, [id]);
      }),
    );
}

/** TypeORM: a QueryRunner after `startTransaction()`, committed, or rolled back on a throw. */
export function typeOrmRunnerTransact(
  dataSource: DataSource,
  insertOrder: string,
): Transact {
  return async (body) => {
    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      await body(runner, async (id) => {
        await runner.query(insertOrder, [id]);
      });
      await runner.commitTransaction();
    } catch (error) {
      await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  };
}

/** What mysql2's pool connection and pg's pool client share. */
interface PooledConnection {
  query(text: string, values?: unknown[]): Promise<unknown>;
  release(): void;
}

/** A connection of the driver's pool after BEGIN: COMMIT, or ROLLBACK on a throw. */
export function connectionTransact(
  connect: () => Promise<PooledConnection>,
  insertOrder: string,
): Transact {
  return async (body) => {
    const connection = await connect();
    try {
      await connection.query('BEGIN');
      await body(connection, async (id) => {
        await connection.query(insertOrder, [id]);
      });
      await connection.query('COMMIT');
    } catch (error) {
      await connection.query('ROLLBACK');
      throw error;
    } finally {
      connection.release();
    }
  };
}

/**
 * Through `client`, on `connection` (released after): starts 'c-1' (workflow `wf`) in a
 * transaction that rolls back, then 'c-2' in one that commits; each start answers true.
 */
export async function startRolledBackThenCommitted(
  client: LidexClient,
  connection: PooledConnection,
): Promise<void> {
  try {
    await connection.query('BEGIN');
    expect(
      await client.start('c-1', 'wf', null, { transaction: connection }),
    ).toBe(true);
    await connection.query('ROLLBACK');
    await connection.query('BEGIN');
    expect(
      await client.start('c-2', 'wf', null, { transaction: connection }),
    ).toBe(true);
    await connection.query('COMMIT');
  } finally {
    connection.release();
  }
}
