import { LidexError } from '../../errors/lidex.error';
import { StoreUnavailableError } from '../../errors/store-unavailable.error';
import { messages } from '../../lidex.messages';
import { loadDriver } from '../load-driver';
import type { StoreLogger } from '../persistence';
import type { MysqlSource } from './mysql.connection';
import { migrateSchema } from './mysql.migrate';
import { MYSQL_DEFAULTS, type MysqlStoreOptions } from './mysql.options';
import { openSource } from './mysql.source';
import { checkSamePool } from './orm/prisma';

/**
 * Opens the store's connections (its own pool from `url`, or the app's pool, ORM or Prisma
 * client) and creates or upgrades its tables and procedures (unless `migrate: false`). The pool
 * it opened is ended again if that fails.
 */
export async function openMysql(
  options: MysqlStoreOptions,
  tablePrefix: string,
  logger: StoreLogger | undefined,
  describe: () => string,
): Promise<MysqlSource> {
  // With Prisma the store runs on the app's mariadb pool: mysql2 need not be installed.
  const mysql = options.prisma
    ? undefined
    : loadDriver<typeof import('mysql2/promise')>(
        'mysql2/promise',
        'MySQL store',
      );
  const source = openSource(options, mysql, (error) =>
    logger?.warn(messages.mysqlConnectionLost(describe(), error.message)),
  );
  try {
    if (options.prisma && options.mariadbPool) {
      await checkSamePool(options.prisma, options.mariadbPool);
    }
    await migrateSchema(
      source,
      tablePrefix,
      options.migrate ?? MYSQL_DEFAULTS.migrate,
      describe(),
    );
    return source;
  } catch (error) {
    await source.ownPool?.end().catch(() => undefined);
    throw error instanceof LidexError
      ? error
      : new StoreUnavailableError(describe(), error);
  }
}
