import type { Pool } from 'mysql2/promise';

/**
 * The app's own table in the MySQL transaction tests, `<prefix>orders`: a row the app writes in
 * the same transaction as its start, seen through `checker`, a connection outside it.
 */
export const ordersTable = (prefix: string): string => `\`${prefix}orders\``;

export async function createOrders(checker: Pool, prefix: string) {
  await checker.query(
    `CREATE TABLE ${ordersTable(prefix)} (id VARCHAR(64) PRIMARY KEY)`,
  );
}

export async function dropOrders(checker: Pool, prefix: string) {
  await checker.query(`DROP TABLE IF EXISTS ${ordersTable(prefix)}`);
}

/** Whether the order row is there, seen from outside any transaction. */
export async function orderCommitted(
  checker: Pool,
  prefix: string,
  id: string,
): Promise<boolean> {
  const [rows] = await checker.query(
    `SELECT 1 FROM ${ordersTable(prefix)} WHERE id = ?`,
    [id],
  );
  return (rows as unknown[]).length === 1;
}

export async function insertOrder(checker: Pool, prefix: string, id: string) {
  await checker.query(`INSERT INTO ${ordersTable(prefix)} VALUES (?)`, [id]);
}
