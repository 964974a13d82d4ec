import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { reportFigures } from '../support/figures';
import { requireBuild } from '../support/worker-processes';
import { tempDir } from '../support/temp-dir';

const ROOT = join(__dirname, '../..');
/** Finished workflows to purge, in batches of 100, while the other process claims. */
const FINISHED = Number(process.env.LIDEX_PURGE_PROCESSES_N ?? 5_000);
/** How long the claiming process claims without a pause: the purge must end well within it. */
const CLAIMING_MS = 20_000;
const T0 = 1_700_000_000_000;

/**
 * Claims and finishes workflows one after another, with no pause, until `CLAIMING_MS` is over;
 * then prints how many, and every write that failed.
 */
const claimer = (path: string) => `
  const { SqliteStore } = require('./dist/sqlite');
  (async () => {
    const store = new SqliteStore({ path: ${JSON.stringify(path)} });
    await store.init();
    console.log('ready');
    const until = Date.now() + ${CLAIMING_MS};
    const now = ${T0 + 10 * FINISHED};
    let claims = 0;
    const errors = [];
    while (Date.now() < until) {
      try {
        const id = 'live-' + claims;
        await store.insertWorkflow({ id, name: 'live', input: '1', now });
        const [claimed] = await store.claimReady(now, [{ token: 't' + claims, until: now + 60000 }]);
        if (!claimed) throw new Error('claim ' + claims + ' found nothing');
        await store.recordFinish(claimed.id, claimed.leaseToken, { result: '1', now });
        claims += 1;
      } catch (error) {
        errors.push(String(error.code || error.message));
      }
    }
    await store.close();
    console.log(JSON.stringify({ claims, errors }));
  })();`;

/**
 * Purges the finished workflows in batches of 100, 50 ms apart, as a worker's retention does, until none is
 * left or `CLAIMING_MS` and 5 s more are over; prints how many it purged, the time it took and
 * every batch that failed (tried again, as the next sweep would).
 */
const purger = (path: string) => `
  const { SqliteStore } = require('./dist/sqlite');
  (async () => {
    const store = new SqliteStore({ path: ${JSON.stringify(path)} });
    await store.init();
    console.log('ready');
    await new Promise((resolve) => process.stdin.once('data', resolve));
    process.stdin.destroy();
    const started = Date.now();
    const errors = [];
    let purged = 0;
    while (Date.now() < started + ${CLAIMING_MS + 5_000}) {
      let n;
      try {
        n = await store.purgeWorkflows({ status: 'finished', endedBefore: ${T0 + FINISHED}, limit: 100 });
      } catch (error) {
        errors.push(String(error.code || error.message));
        continue;
      }
      purged += n;
      if (n === 0) break;
      // The worker's retention pauses this long between full batches (retention.pauseMs).
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await store.close();
    console.log(JSON.stringify({ purged, ms: Date.now() - started, errors }));
  })();`;

interface Child {
  process: ChildProcess;
  output: string;
  exited: Promise<number | null>;
}

function start(code: string): Child {
  const child = spawn(process.execPath, ['-e', code], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const started: Child = {
    process: child,
    output: '',
    exited: new Promise((resolve) => child.once('exit', resolve)),
  };
  child.stdout.on(
    'data',
    (data: Buffer) => (started.output += data.toString()),
  );
  child.stderr.on(
    'data',
    (data: Buffer) => (started.output += data.toString()),
  );
  return started;
}

async function within<T>(ms: number, what: string, promise: Promise<T>) {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${what}: not within ${ms} ms`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const ready = (child: Child, what: string) =>
  within(
    30_000,
    `${what} opening the store`,
    new Promise<void>((resolve) => {
      const check = () => child.output.includes('ready') && resolve();
      child.process.stdout!.on('data', check);
      check();
    }),
  );

const lastJson = (child: Child): unknown => {
  const lines = child.output.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
};

describe('SQLite: retention in one process while another claims without a pause (issue 15)', () => {
  let dir: ReturnType<typeof tempDir> | undefined;
  const children: Child[] = [];

  beforeAll(() => requireBuild());

  afterEach(() => {
    for (const child of children.splice(0))
      if (child.process.exitCode === null) child.process.kill('SIGKILL');
    dir?.remove();
    dir = undefined;
  });

  it(`purges ${FINISHED} finished workflows within the other process's claims, with no write failing on either side`, async () => {
    dir = tempDir();
    const path = join(dir.path, 'shared.sqlite');
    // The schema, then the finished workflows (each with a step) written straight into it.
    const store = new SqliteStore({ path });
    await store.init();
    await store.close();
    const db = new Database(path);
    const insert = db.prepare(
      `INSERT INTO lidex_workflows (id, name, status, input, result, failures, attempts,
         created_at, updated_at) VALUES (?, 'old', 'finished', '"x"', '"r"', 0, 1, ?, ?)`,
    );
    const step = db.prepare(
      `INSERT INTO lidex_steps (workflow_id, kind, step_id, result, recorded_at)
       VALUES (?, 'step', 's', '"1"', ?)`,
    );
    db.transaction(() => {
      for (let i = 0; i < FINISHED; i++) {
        insert.run(`old-${i}`, T0 + i, T0 + i);
        step.run(`old-${i}`, T0 + i);
      }
    })();
    db.close();

    const purging = start(purger(path));
    children.push(purging);
    await ready(purging, 'the purging process');
    const claiming = start(claimer(path));
    children.push(claiming);
    await ready(claiming, 'the claiming process');
    purging.process.stdin!.end('go\n');

    const [claimed, purgedCode] = await within(
      CLAIMING_MS + 30_000,
      'both processes ending',
      Promise.all([claiming.exited, purging.exited]),
    ).catch((error: Error) => {
      const tail = (child: Child) => child.output.slice(-2_000);
      throw new Error(
        `${error.message}; claiming: ${tail(claiming)}; purging: ${tail(purging)}`,
      );
    });
    const claims = lastJson(claiming) as { claims: number; errors: string[] };
    const purge = lastJson(purging) as {
      purged: number;
      ms: number;
      errors: string[];
    };
    reportFigures('sqlite-purge-beside-claims', {
      finished: FINISHED,
      purgeMs: purge.ms,
      claims: claims.claims,
      claimingMs: CLAIMING_MS,
    });
    expect({ claimed, purgedCode }).toEqual({ claimed: 0, purgedCode: 0 });
    expect(purge.errors).toEqual([]);
    expect(claims.errors).toEqual([]);
    expect({ purged: purge.purged }).toEqual({ purged: FINISHED });
    // The purge (50 batches, 2.5 s of pauses) ended while the other process was still claiming,
    // which went on claiming. Before the fix it took 21 s: it waited for the claims to end.
    expect(purge.ms).toBeLessThan(CLAIMING_MS / 2);
    expect(claims.claims).toBeGreaterThan(100);
    const after = new Database(path, { readonly: true });
    const left = after
      .prepare(`SELECT count(*) AS n FROM lidex_workflows WHERE name = 'old'`)
      .get() as { n: number };
    after.close();
    expect(left.n).toBe(0);
  }, 90_000);
});
