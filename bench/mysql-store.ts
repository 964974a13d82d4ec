import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findMysqlBinaries,
  startMysqlServer,
} from '../test/support/mysql-server';
import { onExit } from './cleanup';
import {
  type BenchStore,
  initialised,
  openSpec,
  type StoreSpec,
} from './stores';

/**
 * Our `MysqlStore` (`@lidex/nestjs/mysql`) on LIDEX_MYSQL_URL's server, else on a MariaDB started
 * here as the tests start theirs (durable commits: innodb_flush_log_at_trx_commit=1), with its
 * defaults (a pool of 10 from a URL), tables of their own per scenario (a prefix).
 */
export async function mysqlBenchStore(): Promise<
  (BenchStore & { source: string; stop(): Promise<void> }) | { skipped: string }
> {
  let url = process.env.LIDEX_MYSQL_URL;
  let source = 'LIDEX_MYSQL_URL';
  let stop = async () => {};
  if (!url) {
    if (!findMysqlBinaries()) {
      return {
        skipped:
          "no MySQL server: set LIDEX_MYSQL_URL or install Debian's mariadb-server",
      };
    }
    const dir = mkdtempSync(join(tmpdir(), 'lidex-bench-mysql-'));
    const server = await startMysqlServer(dir);
    const removeExitHook = onExit(() => {
      server.kill();
      rmSync(dir, { recursive: true, force: true });
    });
    url = server.url;
    source = 'MariaDB started here (innodb_flush_log_at_trx_commit=1)';
    stop = async () => {
      removeExitHook();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  const run = Date.now().toString(36).slice(-6);
  const serverUrl = url;
  return {
    label: 'mysql',
    shared: true,
    seedBatch: 100,
    source,
    place: (scenario) => {
      const spec: StoreSpec = {
        mysql: {
          url: serverUrl,
          tablePrefix: `b${run}_${scenario.toLowerCase().slice(0, 12)}_`,
        },
      };
      const open = () => initialised(openSpec(spec));
      return { spec, open, openForSeeding: open };
    },
    stop,
  };
}
