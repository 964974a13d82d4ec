import { ConfigService } from '@nestjs/config';
import { type LidexModuleOptions } from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { MongoStore } from '@lidex/nestjs/mongodb';
import { PostgresStore } from '@lidex/nestjs/postgres';
import { MysqlStore } from '@lidex/nestjs/mysql';

/**
 * Lidex's options from the environment: PostgreSQL when LIDEX_POSTGRES_URL is set (tables in the
 * schema LIDEX_POSTGRES_SCHEMA, default lidex), else MySQL or MariaDB when LIDEX_MYSQL_URL is set
 * (tables prefixed LIDEX_MYSQL_TABLE_PREFIX, default lidex_), else MongoDB when LIDEX_MONGO_URL is set, else the
 * embedded SQLite file (LIDEX_SQLITE_PATH, default .lidex/sample.sqlite).
 */
export function lidexOptions(config: ConfigService): LidexModuleOptions {
  const postgresUrl = config.get<string>('LIDEX_POSTGRES_URL');
  const mysqlUrl = config.get<string>('LIDEX_MYSQL_URL');
  const mongoUrl = config.get<string>('LIDEX_MONGO_URL');
  return {
    persistence: postgresUrl
      ? new PostgresStore({
          url: postgresUrl,
          schema: config.get('LIDEX_POSTGRES_SCHEMA'),
        })
      : mysqlUrl
        ? new MysqlStore({
            url: mysqlUrl,
            tablePrefix: config.get('LIDEX_MYSQL_TABLE_PREFIX'),
          })
        : mongoUrl
          ? new MongoStore({
              url: mongoUrl,
              database: config.get('LIDEX_MONGO_DATABASE'),
            })
          : new SqliteStore({
              path: config.get('LIDEX_SQLITE_PATH', '.lidex/sample.sqlite'),
            }),
    // A short lease, so that a sample killed mid-step resumes within seconds of a restart.
    timeoutIntervalMs: 5_000,
    // Three failures in a row (a payment provider outage, say) abort a workflow; retry it from
    // the dashboard once the cause is gone.
    maxFailures: 3,
    retryIntervalMs: Number(config.get('LIDEX_RETRY_INTERVAL_MS', '2000')),
  };
}
