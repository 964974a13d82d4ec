import { loadavg } from 'node:os';
import { join } from 'node:path';
import { round } from '../stats';
import type { BenchStore } from '../stores';
import { bullmqContender } from './bullmq';
import { type CommitFloorFigures, withCommitFloor } from './commit-floor';
import {
  type Contender,
  type ContenderFigures,
  PEER_SIZES,
  type PeerSizes,
} from './contender';
import { dbosContender } from './dbos';
import { pgMeter } from './meters';
import type { BenchPostgres } from './postgres-server';
import { type BenchRedisServer, startRedisServer } from './redis-server';
import { oursContender } from './ours';
import { runRounds } from './rounds';

export const PEERS = ['dbos', 'bullmq'] as const;
export type Peer = (typeof PEERS)[number];

/** What the peers' part of a run measured, or why a peer was left out. */
export interface PeerResults {
  sizes: PeerSizes;
  servers: Record<string, string>;
  /** Peers left out, with the reason and how to enable them. */
  skipped: Record<string, string>;
  contenders: Record<string, ContenderFigures>;
  /** One durable commit on the PostgreSQL server, between our PostgreSQL store's workflows. */
  commitFloor?: CommitFloorFigures;
  /** The machine's 1-minute load average as the rounds began and as they ended. */
  loadAverage1m: { start: number; end: number };
}

export interface PeerRun {
  dir: string;
  quick: boolean;
  /** Sizes other than `--quick`'s or the full run's (the smoke test's). */
  sizes?: PeerSizes;
  peers: readonly Peer[];
  /** Our durable stores to set beside them (SQLite, PostgreSQL), each with what it is. */
  ours: { store: BenchStore; what: string }[];
  /** The PostgreSQL server, when there is one; DBOS is skipped without it. */
  postgres: BenchPostgres | { skipped: string } | undefined;
  progress: (line: string) => void;
}

/** Starts what the peers need (Redis), runs the interleaved rounds, stops what it started. */
export async function runPeers(run: PeerRun): Promise<PeerResults> {
  const sizes = run.sizes ?? PEER_SIZES[run.quick ? 'quick' : 'full'];
  const results: PeerResults = {
    sizes,
    servers: {},
    skipped: {},
    contenders: {},
    loadAverage1m: { start: round(loadavg()[0]), end: 0 },
  };
  // Printed with the report, one line per peer.
  const skip = (peer: string, reason: string) => {
    results.skipped[peer] = reason;
  };
  const postgres =
    run.postgres && 'skipped' in run.postgres ? undefined : run.postgres;
  const contenders: Contender[] = run.ours.map(({ store, what }) =>
    oursContender(
      store,
      what,
      store.label === 'postgres' && postgres ? pgMeter(postgres) : undefined,
    ),
  );
  let redis: BenchRedisServer | undefined;
  let floor: Awaited<ReturnType<typeof withCommitFloor>> | undefined;
  try {
    // Beside our PostgreSQL store, the floor under its latency: one durable commit, same moments.
    const ourPostgres = contenders.findIndex(
      ({ label }) => label === 'postgres',
    );
    if (postgres && ourPostgres >= 0) {
      floor = await withCommitFloor(postgres, contenders[ourPostgres]);
      contenders[ourPostgres] = floor.contender;
    }
    if (run.peers.includes('dbos')) {
      if (!postgres) {
        skip(
          'DBOS',
          run.postgres && 'skipped' in run.postgres
            ? run.postgres.skipped
            : 'no PostgreSQL server',
        );
      } else {
        const dbos = await dbosContender(postgres);
        if ('skipped' in dbos) skip('DBOS', dbos.skipped);
        else contenders.push(dbos);
      }
    }
    if (run.peers.includes('bullmq')) {
      const found = await startRedisServer(join(run.dir, 'redis'));
      if ('skipped' in found) skip('BullMQ', found.skipped);
      else {
        redis = found;
        results.servers.redis = found.source;
        contenders.push(bullmqContender(found));
      }
    }
    if (contenders.some(({ ours }) => !ours)) {
      results.contenders = await runRounds(contenders, sizes, run.progress);
      results.commitFloor = floor?.figures();
    }
  } finally {
    for (const contender of contenders) await contender.close?.();
    await floor?.close();
    await redis?.stop();
  }
  results.loadAverage1m.end = round(loadavg()[0]);
  return results;
}
