import type { Pool } from 'pg';
import { InvalidOptionsError } from '../../errors/invalid-options.error';
import { unknownKey } from '../../model/option-keys';
import { UnknownOptionError } from '../../errors/unknown-option.error';

/** Options of the PostgreSQL store: give either `url` or `pool`. */
export interface PostgresStoreOptions {
  /** A connection string (`postgres://user:password@host:5432/db`); the store opens its own pool. */
  url?: string;
  /**
   * An existing `pg.Pool` (the app's own). The store runs its statements through it and never
   * ends it: the application owns it. Notifications (LISTEN) use one more connection of their
   * own, opened with the pool's connection settings.
   */
  pool?: Pool;
  /**
   * The PostgreSQL schema holding Lidex's tables (created when missing, with `migrate`).
   * Lower-case letters, digits and `_`, starting with a letter or `_`.
   * @default 'lidex'
   */
  schema?: string;
  /**
   * Create and upgrade the schema at start, under an advisory lock (safe with many instances
   * starting at once). `false` for teams whose migrations run elsewhere: apply
   * `PostgresStore.migrationSql({ schema })` with your migration tool; start-up then only checks
   * that the schema is current.
   * @default true
   */
  migrate?: boolean;
  /**
   * Connections of the pool the store opens from `url` (ignored with `pool`).
   * @default 10
   */
  poolSize?: number;
  /**
   * How long opening a connection may take before it fails (the pool opened from `url`, and the
   * notification connection).
   * @default 5000
   */
  connectTimeoutMs?: number;
  /**
   * Listen for new ready work (LISTEN/NOTIFY), so that an idle worker claims a workflow started by
   * another instance at once instead of at its next poll. Off behind a connection pooler that
   * cannot hold a session (PgBouncer in transaction mode).
   * @default true
   */
  listen?: boolean;
}

export const POSTGRES_DEFAULTS = {
  schema: 'lidex',
  migrate: true,
  poolSize: 10,
  connectTimeoutMs: 5000,
  listen: true,
} as const;

const KNOWN_KEYS = [
  'url',
  'pool',
  'schema',
  'migrate',
  'poolSize',
  'connectTimeoutMs',
  'listen',
] as const satisfies readonly (keyof PostgresStoreOptions)[];

/** Checks the options, throwing the error that names the option and the fix. */
export function checkPostgresOptions(options: PostgresStoreOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError(
      'PostgresStore options',
      options,
      'an object with `url` or `pool`',
    );
  }
  const unknown = unknownKey('PostgresStore', options, KNOWN_KEYS);
  if (unknown) throw new UnknownOptionError(unknown.key, unknown.message);
  const { url, pool } = options;
  if ((url === undefined) === (pool === undefined)) {
    throw new InvalidOptionsError(
      'PostgresStore url/pool',
      url ?? pool,
      'exactly one of `url` (a connection string) or `pool` (an existing pg.Pool)',
    );
  }
  if (url !== undefined && !isPostgresUrl(url)) {
    throw new InvalidOptionsError(
      'PostgresStore url',
      typeof url === 'string' ? redactUrl(url) : url,
      'a connection string such as postgres://user:password@db.internal:5432/orders',
    );
  }
  if (
    pool !== undefined &&
    (typeof pool !== 'object' ||
      pool === null ||
      typeof (pool as { query?: unknown }).query !== 'function' ||
      typeof (pool as { connect?: unknown }).connect !== 'function')
  ) {
    throw new InvalidOptionsError(
      'PostgresStore pool',
      pool,
      'a pg.Pool (new Pool({ connectionString }) from the "pg" package)',
    );
  }
  if (
    options.schema !== undefined &&
    (typeof options.schema !== 'string' ||
      !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema))
  ) {
    throw new InvalidOptionsError(
      'PostgresStore schema',
      options.schema,
      "a schema name of lower-case letters, digits and '_' (at most 63, not starting with a digit), such as 'lidex'",
    );
  }
  for (const key of ['migrate', 'listen'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean') {
      throw new InvalidOptionsError(
        `PostgresStore ${key}`,
        options[key],
        'true or false',
      );
    }
  }
  for (const key of ['poolSize', 'connectTimeoutMs'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new InvalidOptionsError(
        `PostgresStore ${key}`,
        value,
        'a positive integer',
      );
    }
  }
}

function isPostgresUrl(url: unknown): boolean {
  if (typeof url !== 'string') return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'postgres:' || parsed.protocol === 'postgresql:';
  } catch {
    return false;
  }
}

/** The URL with its password replaced, for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'a PostgreSQL connection string';
  }
}
