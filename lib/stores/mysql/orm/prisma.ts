import { InvalidOptionsError } from '../../../errors/invalid-options.error';
import { messages } from '../../../lidex.messages';
import {
  type MysqlQuery,
  type MysqlSource,
  toResult,
  wholeMs,
} from '../mysql.connection';

/** What the store uses of a Prisma 7 client on MySQL/MariaDB (typed here: Prisma stays optional). */
export interface PrismaClientLike {
  $queryRawUnsafe(text: string, ...values: unknown[]): Promise<unknown>;
  $executeRawUnsafe(text: string, ...values: unknown[]): Promise<number>;
  $transaction(...args: never[]): Promise<unknown>;
}

/** A connection of the `mariadb` driver (its promise API), as a pool hands them out. */
interface MariadbConnectionLike {
  query(options: { sql: string }, values?: unknown[]): Promise<unknown>;
  release(): Promise<void> | void;
}

/**
 * A pool of the `mariadb` driver (`createPool` of the `mariadb` package): the one the app gives
 * `new PrismaMariaDb(pool)` (typed here: the driver stays optional).
 */
export interface MariadbPoolLike {
  query(options: { sql: string }, values?: unknown[]): Promise<unknown>;
  getConnection(): Promise<MariadbConnectionLike>;
  batch(...args: never[]): Promise<unknown>;
  totalConnections(): number;
}

export const isPrismaClient = (value: unknown): value is PrismaClientLike =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Partial<PrismaClientLike>).$queryRawUnsafe === 'function' &&
  typeof (value as Partial<PrismaClientLike>).$executeRawUnsafe ===
    'function' &&
  typeof (value as Partial<PrismaClientLike>).$transaction === 'function';

export const isMariadbPool = (value: unknown): value is MariadbPoolLike =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Partial<MariadbPoolLike>).getConnection === 'function' &&
  typeof (value as Partial<MariadbPoolLike>).query === 'function' &&
  typeof (value as Partial<MariadbPoolLike>).batch === 'function' &&
  typeof (value as Partial<MariadbPoolLike>).totalConnections === 'function';

/**
 * How the store reads the `mariadb` driver's answers: BIGINT and DECIMAL as numbers (the driver's
 * default is BigInt and string), JSON as its text, as `mysql2` reads them on MariaDB.
 */
const READ = {
  bigIntAsNumber: true,
  decimalAsNumber: true,
  insertIdAsNumber: true,
  autoJsonMap: false,
} as const;

const runOn =
  (on: Pick<MariadbPoolLike, 'query'>): MysqlQuery =>
  async (sql, values = []) =>
    // A SELECT answers its rows; a CALL one array per result set, then its OK packet.
    toResult(await on.query({ sql, ...READ }, values.map(wholeMs)));

/**
 * The store's own statements with Prisma: on the `mariadb` pool the app's `PrismaMariaDb` adapter
 * runs on, never ended by the store. Not through `$queryRawUnsafe`: the store's claims and writes
 * are each one `CALL` answering several result sets, and Prisma's raw queries read a `CALL`'s
 * answer as one result set (each set becomes a single row, its columns unnamed).
 */
export function prismaSource(pool: MariadbPoolLike): MysqlSource {
  return {
    query: runOn(pool),
    async session(body) {
      const connection = await pool.getConnection();
      try {
        return await body(runOn(connection));
      } finally {
        await connection.release();
      }
    },
  };
}

const WHERE = 'SELECT @@hostname AS host, @@port AS port, DATABASE() AS db';

/**
 * Refuses a pool that is not the PrismaClient's: a workflow started in the app's Prisma
 * transaction would be written to one database and looked for in another.
 */
export async function checkSamePool(
  prisma: PrismaClientLike,
  pool: MariadbPoolLike,
): Promise<void> {
  const where = (row: unknown) => {
    const { host, port, db } = (row ?? {}) as Record<string, unknown>;
    return `${String(host)}:${Number(port)}/${String(db)}`;
  };
  const [viaPool] = (await runOn(pool)(WHERE)).sets[0] ?? [];
  let viaPrisma: string;
  try {
    const rows = (await prisma.$queryRawUnsafe(WHERE)) as unknown[];
    viaPrisma = where(rows[0]);
  } catch (error) {
    throw new InvalidOptionsError(
      'MysqlStore prisma',
      `a PrismaClient that cannot run MySQL (${(error as Error).message.trim().split('\n').pop()})`,
      messages.mysqlPrismaFix(),
    );
  }
  if (viaPrisma !== where(viaPool)) {
    throw new InvalidOptionsError(
      'MysqlStore mariadbPool',
      `a pool on ${where(viaPool)} while the PrismaClient is on ${viaPrisma}`,
      messages.mysqlPrismaFix(),
    );
  }
}

/**
 * The `tx` of an interactive `prisma.$transaction(async (tx) => ...)` (a client without
 * `$disconnect`), else `undefined`. The store runs one INSERT there, through Prisma's raw
 * command on the transaction's connection.
 */
export function prismaTransaction(value: object): MysqlQuery | undefined {
  const tx = value as Partial<PrismaClientLike> & { $disconnect?: unknown };
  if (
    typeof tx.$queryRawUnsafe !== 'function' ||
    typeof tx.$executeRawUnsafe !== 'function' ||
    typeof tx.$disconnect === 'function'
  ) {
    return undefined;
  }
  const client = tx as PrismaClientLike;
  return async (sql, values = []) => {
    const params = values.map(wholeMs);
    if (/^\s*SELECT\b/i.test(sql)) {
      return toResult(await client.$queryRawUnsafe(sql, ...params));
    }
    return {
      sets: [],
      affectedRows: await client.$executeRawUnsafe(sql, ...params),
    };
  };
}
