import {
  type MysqlQuery,
  type MysqlSource,
  toResult,
  wholeMs,
} from '../mysql.connection';

/** A `mysql2` connection of the callback API, as Sequelize's mysql dialect opens them. */
interface CallbackConnection {
  promise(): {
    query(sql: string, values: unknown[]): Promise<[unknown, unknown]>;
  };
}

/** What the store uses of a `Sequelize` instance (dialect `mysql`, on `mysql2`). */
export interface SequelizeLike {
  getDialect(): string;
  connectionManager: {
    getConnection(options?: { type?: 'read' | 'write' }): Promise<unknown>;
    releaseConnection(connection: unknown): unknown;
  };
}

const isCallbackConnection = (value: unknown): value is CallbackConnection =>
  typeof (value as Partial<CallbackConnection> | null)?.promise === 'function';

/** Statements on one of Sequelize's `mysql2` connections. */
const onConnection =
  (connection: CallbackConnection): MysqlQuery =>
  async (sql, values = []) => {
    const [raw] = await connection.promise().query(sql, values.map(wholeMs));
    return toResult(raw);
  };

/**
 * The store's statements on the app's Sequelize pool: each takes one of its (write) connections
 * for one statement, as from a mysql2 pool; the store never closes it.
 */
export function sequelizeSource(sequelize: SequelizeLike): MysqlSource {
  const manager = sequelize.connectionManager;
  const session = async <T>(
    body: (query: MysqlQuery) => Promise<T>,
  ): Promise<T> => {
    const connection = await manager.getConnection({ type: 'write' });
    try {
      return await body(onConnection(connection as CallbackConnection));
    } finally {
      await manager.releaseConnection(connection);
    }
  };
  return {
    query: (sql, values) => session((query) => query(sql, values)),
    session,
  };
}

interface SequelizeTransactionLike {
  sequelize: object;
  connection?: unknown;
  commit(): unknown;
  rollback(): unknown;
}

/**
 * A Sequelize `Transaction` that has begun (of `sequelize.transaction()`, managed or not), else
 * `undefined`: the statements run on the mysql2 connection the transaction holds.
 */
export function sequelizeTransaction(value: object): MysqlQuery | undefined {
  const tx = value as Partial<SequelizeTransactionLike>;
  if (
    typeof tx.sequelize !== 'object' ||
    tx.sequelize === null ||
    typeof tx.commit !== 'function' ||
    typeof tx.rollback !== 'function' ||
    !isCallbackConnection(tx.connection)
  ) {
    return undefined;
  }
  return onConnection(tx.connection);
}
