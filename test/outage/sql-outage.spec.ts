import type { Persistence } from '@lidex/nestjs';
import { MysqlStore } from '@lidex/nestjs/mysql';
import { PostgresStore } from '@lidex/nestjs/postgres';
import { findMysqlBinaries, startMysqlServer } from '../support/mysql-server';
import { outageCase, type OutageServer } from '../support/outage-case';
import {
  findPostgresBinaries,
  startPostgresServer,
} from '../support/postgres-server';

/*
 * SIGKILL: the server dies as in a crash (PostgreSQL's backends with it; InnoDB recovers from its
 * redo log at the next start). SIGTERM: the server's clean (PostgreSQL: fast) shutdown, which
 * closes every connection.
 */
const SERVERS = [
  {
    label: 'PostgreSQL',
    figures: 'postgres-outage',
    found: () => Boolean(findPostgresBinaries()),
    start: (dir: string): Promise<OutageServer> => startPostgresServer(dir),
    open: (url: string): Persistence =>
      new PostgresStore({ url, connectTimeoutMs: 2000 }),
  },
  {
    label: 'MySQL',
    figures: 'mysql-outage',
    found: () => Boolean(findMysqlBinaries()),
    start: (dir: string): Promise<OutageServer> => startMysqlServer(dir),
    open: (url: string): Persistence =>
      new MysqlStore({ url, connectTimeoutMs: 2000 }),
  },
];

describe.each(
  SERVERS.flatMap((kind) =>
    (['SIGKILL', 'SIGTERM'] as const).map((signal) => ({ kind, signal })),
  ),
)('$kind.label outage (server stopped with $signal)', ({ kind, signal }) => {
  // A server of its own, since this test stops it.
  const describeWithServer =
    kind.found() || process.env.CI ? describe : describe.skip;
  describeWithServer('', () => {
    outageCase({
      dirPrefix: `lidex-${kind.figures}-`,
      startServer: kind.start,
      openStore: kind.open,
      initStore: (store, logger) => store.init({ logger }),
      signal,
      figures: `${kind.figures}-${signal}`,
    });
  });
});
