import type { RawQuery } from './orm-connection';

interface ClientLike {
  query(
    text: string,
    values: unknown[],
  ): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

/**
 * A `pg` client the app began a transaction on (`const client = await pool.connect();
 * await client.query('BEGIN')`). A `pg.Pool` is refused: each of its queries may take another
 * connection, outside the transaction. `undefined` when `value` is not a client.
 */
export function pgClientTransaction(value: object): RawQuery | undefined {
  const client = value as Partial<ClientLike> & {
    connect?: unknown;
    release?: unknown;
    totalCount?: unknown;
  };
  const isClient =
    typeof client.query === 'function' &&
    (typeof client.release === 'function' ||
      typeof client.connect === 'function') &&
    typeof client.totalCount !== 'number' &&
    !('manager' in value) &&
    !('queryRunner' in value);
  if (!isClient) return undefined;
  return async (text, values) => {
    const result = await (client as ClientLike).query(text, values);
    return { rows: result.rows, rowCount: result.rowCount };
  };
}
