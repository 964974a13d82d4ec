import type { LeasedCount } from '../persistence';
import type { MysqlQuery } from './mysql.connection';
import { mysqlNames } from './mysql.names';
import { optionalText, text } from './mysql.rows';

/**
 * Slots in use (`Persistence.leasedCounts`, the dashboard's): the leases held by workflows of
 * `names`, per concurrency key, in one read through the `workflows_leased_key` index (name,
 * key, lease). Keys are grouped by their SHA-256, so keys of any length count apart.
 */
export async function leasedCounts(
  query: MysqlQuery,
  prefix: string,
  names: readonly string[],
): Promise<LeasedCount[]> {
  if (names.length === 0) return [];
  const { sets } = await query(
    `SELECT name, MIN(concurrency_key) AS ckey, COUNT(*) AS n
     FROM ${mysqlNames(prefix).workflows}
     WHERE name IN (${names.map(() => '?').join(', ')}) AND lease_token IS NOT NULL
     GROUP BY name, SHA2(concurrency_key, 256)`,
    [...names],
  );
  return (sets[0] ?? []).map((row) => {
    const key = optionalText(row.ckey);
    return {
      name: text(row.name),
      ...(key === undefined ? {} : { concurrencyKey: key }),
      leased: Number(row.n),
    };
  });
}
