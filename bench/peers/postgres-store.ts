import type { BenchStore, StoreSpec } from '../stores';
import { initialised, openSpec } from '../stores';
import type { BenchPostgres } from './postgres-server';

/**
 * Our `PostgresStore` (`@lidex/nestjs/postgres`) on the bench's PostgreSQL server, the one DBOS
 * runs on, with its defaults (a pool of 10 from a URL, LISTEN/NOTIFY on), one database for the
 * run, dropped at the end, and a schema of its own per scenario. It runs every scenario of the
 * suite (`--stores=postgres`) and the peers' rounds beside DBOS.
 */
export async function postgresBenchStore(
  postgres: BenchPostgres,
): Promise<BenchStore & { drop(): Promise<void> }> {
  const database = `lidex_bench_${Date.now().toString(36)}`;
  await postgres.createDatabase(database);
  const url = postgres.urlFor(database);
  return {
    label: 'postgres',
    shared: true,
    seedBatch: 100,
    place: (scenario) => {
      const spec: StoreSpec = {
        postgres: {
          url,
          schema: `lidex_${scenario.toLowerCase()}`,
        },
      };
      const open = () => initialised(openSpec(spec));
      return { spec, open, openForSeeding: open };
    },
    drop: () => postgres.dropDatabase(database),
  };
}
