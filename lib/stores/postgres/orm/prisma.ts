import {
  answersRows,
  type OrmConnection,
  type RawQuery,
} from './orm-connection';

/** What the store uses of a Prisma client on PostgreSQL (typed here: Prisma stays optional). */
export interface PrismaClientLike {
  $queryRawUnsafe(text: string, ...values: unknown[]): Promise<unknown>;
  $executeRawUnsafe(text: string, ...values: unknown[]): Promise<number>;
  $transaction<T>(run: (tx: PrismaClientLike) => Promise<T>): Promise<T>;
}

/**
 * Prisma cannot read a column of type `void`: the store's statements select `pg_notify(...)`,
 * which is one, so it is read as text here; the migration's advisory lock is run as a command
 * (its one `void` row is not needed).
 */
const readableByPrisma = (text: string): string =>
  text.replace(/pg_notify\(([^()]*)\)/g, 'pg_notify($1)::text');

const isLock = (text: string): boolean => /^\s*SELECT pg_advisory/i.test(text);

const run =
  (
    prisma: Pick<PrismaClientLike, '$queryRawUnsafe' | '$executeRawUnsafe'>,
  ): RawQuery =>
  async (text, values) => {
    if (answersRows(text) && !isLock(text)) {
      const rows = (await prisma.$queryRawUnsafe(
        readableByPrisma(text),
        ...values,
      )) as Record<string, unknown>[];
      return { rows, rowCount: rows.length };
    }
    const count = await prisma.$executeRawUnsafe(text, ...values);
    return { rows: [], rowCount: count };
  };

/** The store's statements through the Prisma client (its driver adapter's pool). */
export function prismaConnection(prisma: PrismaClientLike): OrmConnection {
  return {
    query: run(prisma),
    transaction: (body) => prisma.$transaction((tx) => body(run(tx))),
  };
}

/**
 * The `tx` of an interactive `prisma.$transaction(async (tx) => ...)`: a client without
 * `$transaction` and `$disconnect` of its own. `undefined` when `value` is not one.
 */
export function prismaTransaction(value: object): RawQuery | undefined {
  const tx = value as Partial<PrismaClientLike> & { $disconnect?: unknown };
  return typeof tx.$queryRawUnsafe === 'function' &&
    typeof tx.$executeRawUnsafe === 'function' &&
    typeof tx.$disconnect !== 'function'
    ? run(tx as PrismaClientLike)
    : undefined;
}
