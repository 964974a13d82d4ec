import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Persistence } from '@lidex/nestjs';
import { quantile, round } from '../stats';

/**
 * The "done when" for retention: claims of `live` workflows (each claimed, then finished)
 * while another process purges `finished` finished workflows in batches of 100 (rounds of `live`
 * claims until the purge is over), against one round of the same claims with no purge. Claim cost is counted, not timed: the CPU the claims cost (SQLite: this
 * process, where the store runs; PostgreSQL: the server process of the claiming connection, read
 * from /proc) and the statements they send (PostgreSQL). Wall time is printed for reference.
 */
export interface RetentionSide {
  /** CPU µs per claim: this process (SQLite), the claiming connection's server process (PostgreSQL). */
  cpuUsPerClaim: number;
  /** Statements sent per claim (PostgreSQL; SQLite runs in process). */
  statementsPerClaim?: number;
  wallP50Ms: number;
  wallP95Ms: number;
  claims: number;
}

export interface RetentionFigures {
  store: string;
  finished: number;
  live: number;
  quiet: RetentionSide;
  purging: RetentionSide;
  /** Purged while the purging round's claims ran (the rest after). */
  purgedDuringClaims: number;
  /** purging / quiet, CPU per claim (the limit: 1.5). */
  cpuRatio: number;
  leftAfter: number;
  /** Purge batches that met SQLITE_BUSY and were tried again. */
  busyBatches: number;
}

/** How one store is set up for the scenario. */
export interface RetentionPlace {
  store: string;
  /** Opens the store the claims run through (PostgreSQL: one connection, named). */
  open(): Promise<Persistence>;
  /** Writes `count` finished workflows of name `old`, each with a step, ended at T0 + i. */
  seed(count: number): Promise<void>;
  /** The purging process's script (CommonJS, run with `node -e` in the package folder). */
  purgerScript: string;
  /** CPU µs spent so far by what runs the claims. */
  cpuUs(): Promise<number>;
  /** Statements sent so far by the claims' store, if counted. */
  statements?(): number;
  close(): Promise<void>;
}

export const T0 = 1_700_000_000_000;

/** The longest the purging side claims for, by default. */
const PURGING_CLAIMS_MS = 120_000;

/** What one round of claims measured. */
interface Round {
  wall: number[];
  cpuUs: number;
  statements: number;
}

async function claimRound(
  place: RetentionPlace,
  store: Persistence,
  prefix: string,
  live: number,
  now: number,
): Promise<Round> {
  for (let i = 0; i < live; i++)
    await store.insertWorkflow({
      id: `${prefix}-${i}`,
      name: 'live',
      input: '1',
      now,
    });
  const wall: number[] = [];
  let cpu = 0;
  let statements = 0;
  for (let i = 0; i < live; i++) {
    const cpuBefore = await place.cpuUs();
    const sentBefore = place.statements?.() ?? 0;
    const started = process.hrtime.bigint();
    const [claimed] = await store.claimReady(now, [
      { token: `t-${prefix}-${i}`, until: now + 60_000 },
    ]);
    wall.push(Number(process.hrtime.bigint() - started) / 1e6);
    statements += (place.statements?.() ?? 0) - sentBefore;
    cpu += (await place.cpuUs()) - cpuBefore;
    if (!claimed) throw new Error(`claim ${i} of ${prefix} found nothing`);
    await store.recordFinish(claimed.id, claimed.leaseToken, {
      result: '1',
      now,
    });
  }
  return { wall, cpuUs: cpu, statements };
}

/** Rounds of claims as one side's figures. */
function side(place: RetentionPlace, rounds: Round[]): RetentionSide {
  const wall = rounds.flatMap((r) => r.wall);
  const sum = (pick: (r: Round) => number) =>
    rounds.reduce((total, r) => total + pick(r), 0);
  return {
    cpuUsPerClaim: round(sum((r) => r.cpuUs) / wall.length, 1),
    ...(place.statements
      ? { statementsPerClaim: round(sum((r) => r.statements) / wall.length, 2) }
      : {}),
    wallP50Ms: round(quantile(wall, 0.5), 3),
    wallP95Ms: round(quantile(wall, 0.95), 3),
    claims: wall.length,
  };
}

export async function retentionClaims(
  place: RetentionPlace,
  sizes: { finished: number; live: number; purgingClaimsMs?: number },
  progress: (line: string) => void,
): Promise<RetentionFigures> {
  const { finished, live } = sizes;
  const store = await place.open();
  let purger: ChildProcess | undefined;
  try {
    progress(`${place.store}: seeding ${finished} finished workflows`);
    await place.seed(finished);
    const now = T0 + 10 * finished;
    progress(`${place.store}: ${live} claims, no purge`);
    const quiet = side(place, [
      await claimRound(place, store, 'quiet', live, now),
    ]);
    progress(`${place.store}: ${live} claims, purging in another process`);
    let purgedDuringClaims = 0;
    purger = spawn(process.execPath, ['-e', place.purgerScript], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, LIDEX_PURGE_BEFORE: String(T0 + finished) },
    });
    const child = purger;
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    let output = '';
    child.stdout!.on('data', (data: Buffer) => (output += data.toString()));
    // The purger says "ready" once its store is open: only then do the claims start.
    await bounded(
      new Promise<void>((resolve) => {
        const check = () => output.includes('ready') && resolve();
        child.stdout!.on('data', check);
        check();
      }),
      60_000,
      'the purging process to open its store',
    );
    // Rounds of `live` claims until the purge is over, so that the claims overlap all of it.
    // Bounded: on SQLite the claims take the one write lock again and again, and a loaded
    // machine's purge can take many minutes behind them (what is left is purged after).
    const claimsUntil =
      Date.now() + (sizes.purgingClaimsMs ?? PURGING_CLAIMS_MS);
    const rounds: Round[] = [];
    let ended = false;
    void exited.then(() => (ended = true));
    do {
      rounds.push(
        await claimRound(place, store, `purging${rounds.length}`, live, now),
      );
    } while (!ended && Date.now() < claimsUntil);
    const purging = side(place, rounds);
    purgedDuringClaims = lastCount(output);
    const busyBatches = () => lastCount(output, 'busy');
    // Let it finish what is left, then stop it.
    const code = await bounded(exited, 30 * 60_000, 'the purge to finish');
    if (code !== 0) throw new Error(`the purging process exited with ${code}`);
    const leftAfter = (await store.countWorkflows({ name: 'old' })).finished;
    return {
      store: place.store,
      finished,
      live,
      quiet,
      purging,
      purgedDuringClaims,
      cpuRatio: round(purging.cpuUsPerClaim / quiet.cpuUsPerClaim, 2),
      leftAfter,
      busyBatches: busyBatches(),
    };
  } finally {
    if (purger && purger.exitCode === null) purger.kill('SIGKILL');
    await store.close();
    await place.close();
  }
}

/** The purger prints running totals as "purged <n>" and "busy <n>" lines; the last one so far. */
function lastCount(output: string, what = 'purged'): number {
  const counts = [...output.matchAll(new RegExp(`${what} (\\d+)`, 'g'))];
  return counts.length ? Number(counts[counts.length - 1][1]) : 0;
}

async function bounded<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The purge loop every purger script runs, given `store` (a Persistence) opened in it. */
export const PURGE_LOOP = `
  const before = Number(process.env.LIDEX_PURGE_BEFORE);
  let purged = 0;
  console.log('ready');
  let busy = 0;
  for (;;) {
    let n;
    try {
      n = await store.purgeWorkflows({ status: 'finished', endedBefore: before, limit: 100 });
    } catch (error) {
      // SQLite: the batch met the claims' write lock past the busy timeout (an open finding);
      // counted, and the batch tried again.
      if (error.code !== 'SQLITE_BUSY') throw error;
      console.log('busy ' + ++busy);
      await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    purged += n;
    console.log('purged ' + purged);
    if (n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await store.close();
`;

/**
 * CPU µs of a process, or of one of its threads, from /proc/<pid>[/task/<tid>]/stat (utime +
 * stime, in clock ticks of 10 ms).
 */
export function procCpuUs(pid: number, tid?: number): number {
  const stat = readFileSync(
    tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`,
    'utf8',
  );
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}
