import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  LidexEngine,
  type EngineOptions,
  type Persistence,
  type StartOptions,
  type WorkflowFlowOptions,
} from '@lidex/nestjs';
import { eventually } from '../support/eventually';
import { reportFigures } from '../support/figures';
import {
  mostAtOnce,
  mostInWindow,
  mostPerKey,
  recordedRun,
  type RecordedRun,
} from '../support/flow-runs';
import {
  processSuite,
  requireBuild,
  TEST_WORKER_ENGINE,
} from '../support/worker-processes';
import type {
  FlowKillLine,
  FlowKillOptions,
} from '../support/worker/flow-kill-workflows';
import { builtHarness, WorkerProcess } from '../support/worker/launcher';
import type { DeathInClaim, WorkerArgs } from '../support/worker/protocol';
import { within } from '../support/within';

/*
 * Flow control across crashes, in real worker processes on every store with flow control
 * (FerretDB, not safe for concurrent workers, is left out: MongoDB runs on mongo-java-server):
 * a worker SIGKILLed while it holds concurrency slots, one SIGSTOPped past its lease and woken
 * after another finished its workflow, one SIGKILLed under a rate limit, workers that die
 * (SIGKILL) inside their claims (the harness's `dieInClaim`), and the holder of a key's slot
 * SIGKILLed with a high-priority workflow waiting for that key. Each time every workflow
 * finishes, each step is recorded once, the limits hold among the recorded runs, and no slot is
 * left in use.
 */
requireBuild();

/** Every wait of the test is bounded: a take-over or an end that does not come fails it. */
const BOUND_MS = 30_000;
/** The workers' leases: short, so that a dead or frozen worker's workflows are taken over soon. */
const LEASE_MS = 1_500;
const KEYS = 4;
const LIMITS: WorkflowFlowOptions = { concurrency: { limit: 2, perKey: 1 } };

const bounded = <T>(what: string, work: Promise<T>): Promise<T> =>
  within(BOUND_MS, what, work);
const sleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

const suite = processSuite('lidex-flow-kill-');

describe.each(
  suite.stores.filter(
    (shared) => shared.label !== 'MongoDB' && shared.open().flowControl,
  ),
)('flow control across SIGKILL and SIGSTOP on $label', (shared) => {
  let store: Persistence;
  let client: LidexEngine;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    store = shared.open();
    await store.init();
    client = new LidexEngine({ store, clientOnly: true, handlers: {} });
  });

  afterEach(async () => {
    // A frozen worker is woken before it is killed; nothing outlives its test.
    for (const worker of workers) worker.resume();
    await Promise.all(workers.map((worker) => bounded('kill', worker.kill())));
    workers.length = 0;
  });

  afterAll(async () => {
    await client?.close();
  });

  const logOf = (scenario: string): string => {
    const file = join(suite.dir, `${scenario}-${shared.label}.jsonl`);
    writeFileSync(file, '');
    return file;
  };

  const linesOf = (file: string): FlowKillLine[] =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter((line) => line.endsWith('}'))
          .map((line) => JSON.parse(line) as FlowKillLine)
      : [];

  /** The workflows `pid` began a run of `work` in and whose function has not returned there. */
  const inStep = (file: string, pid: number): string[] => {
    const lines = linesOf(file).filter((line) => line.pid === pid);
    const ended = new Set(
      lines.filter((line) => line.event === 'end').map((line) => line.id),
    );
    return lines
      .filter((line) => line.event === 'begin' && !ended.has(line.id))
      .map((line) => line.id);
  };

  const launch = (
    options: FlowKillOptions,
    engine: EngineOptions = {},
    dieInClaim?: WorkerArgs['dieInClaim'],
  ): WorkerProcess => {
    const worker = WorkerProcess.launch({
      store: shared.spec,
      engine: { ...TEST_WORKER_ENGINE, timeoutIntervalMs: LEASE_MS, ...engine },
      workflows: { module: builtHarness('flow-kill-workflows.js'), options },
      dieInClaim,
    });
    workers.push(worker);
    return worker;
  };

  const startWorkers = (
    options: FlowKillOptions,
    engine: EngineOptions = {},
    count = 3,
  ): Promise<WorkerProcess[]> =>
    Promise.all(
      Array.from({ length: count }, async () => {
        const worker = launch(options, engine);
        await bounded(
          'worker ready',
          worker.until(() => worker.ready),
        );
        return worker;
      }),
    );

  const ids = (prefix: string, count: number, from = 0) =>
    Array.from({ length: count }, (_, i) => `${prefix}${from + i}`);

  /** Starts `<prefix><from>` to `<prefix><from + count - 1>`, each with `start(its number)`. */
  const startJobs = async (
    prefix: string,
    count: number,
    stepMs: number,
    start: (i: number) => StartOptions = (i) => ({
      concurrencyKey: `k${i % KEYS}`,
    }),
    from = 0,
  ) => {
    await Promise.all(
      ids(prefix, count, from).map((id, i) =>
        client.start(id, 'job', { stepMs }, start(from + i)),
      ),
    );
  };

  const untilFinished = async (prefix: string, count: number) => {
    const deadline = Date.now() + BOUND_MS;
    for (const id of ids(prefix, count)) {
      for (;;) {
        const status = await client.status(id);
        if (status === 'finished') break;
        if (Date.now() > deadline)
          throw new Error(
            `${id} still ${status} ${BOUND_MS} ms on; slots in use: ${JSON.stringify(await store.leasedCounts!(['job']))}`,
          );
        await sleep(50);
      }
    }
  };

  const runsOf = async (prefix: string, count: number) => {
    const runs: RecordedRun[] = [];
    for (const id of ids(prefix, count)) {
      const run = await recordedRun(store, id);
      if (run) runs.push(run);
    }
    return runs;
  };

  const slotsInUse = async (): Promise<number> =>
    (await store.leasedCounts!(['job'])).reduce(
      (total, count) => total + count.leased,
      0,
    );

  /** Waits until one of `running` is inside a step, after `begun` runs began: that worker. */
  const workerInStep = async (
    file: string,
    running: WorkerProcess[],
    begun: number,
  ): Promise<WorkerProcess> =>
    eventually(
      () => {
        const lines = linesOf(file);
        if (lines.filter((line) => line.event === 'begin').length < begun)
          return undefined;
        const latest = [...lines]
          .reverse()
          .find((line) => line.event === 'begin');
        return running.find(
          (worker) =>
            worker.pid === latest?.pid &&
            inStep(file, worker.pid).includes(latest.id),
        );
      },
      BOUND_MS,
      `a worker inside a step after ${begun} began`,
    );

  /** What every case asserts of its runs once all have finished. */
  const expectSound = (runs: RecordedRun[], count: number) => {
    expect(runs).toHaveLength(count);
    // Each workflow's step recorded once: no write applied twice.
    expect(runs.filter((run) => run.records !== 1)).toEqual([]);
  };

  /** Eight more workflows after a crash: they finish within the limits, no slot left. */
  const eightMore = async (prefix: string): Promise<RecordedRun[]> => {
    await startJobs(prefix, 8, 300);
    await untilFinished(prefix, 8);
    const after = await runsOf(prefix, 8);
    expectSound(after, 8);
    expect(mostAtOnce(after)).toBeLessThanOrEqual(2);
    expect(mostPerKey(after)).toBe(1);
    expect(await slotsInUse()).toBe(0);
    return after;
  };

  it('finishes every workflow after a worker holding slots is SIGKILLed, within the limits, no slot left', async () => {
    const COUNT = 40;
    const log = logOf('kill');
    const running = await startWorkers({ log, flow: LIMITS });
    await startJobs('kill-', COUNT, 300);
    const victim = await workerInStep(log, running, 4);
    const usedAtKill = await slotsInUse();
    await bounded('SIGKILL', victim.kill());
    const killedAt = Date.now();
    // What it held when it died: runs begun there whose function never returned.
    const held = inStep(log, victim.pid);
    await untilFinished('kill-', COUNT);
    const finishedMs = Date.now() - killedAt;

    const runs = await runsOf('kill-', COUNT);
    expectSound(runs, COUNT);
    expect(held.length).toBeGreaterThanOrEqual(1);
    expect(usedAtKill).toBeGreaterThanOrEqual(1);
    for (const id of held)
      expect(runs.find((run) => run.id === id)?.pid).not.toBe(victim.pid);
    const most = mostAtOnce(runs);
    const perKey = mostPerKey(runs);
    expect(most).toBeLessThanOrEqual(2);
    expect(perKey).toBe(1);
    expect(await slotsInUse()).toBe(0);

    // The survivors still reach the limit: no slot stays taken by the dead worker.
    const after = await eightMore('after-kill-');
    reportFigures('flow-kill', {
      store: shared.label,
      workflows: COUNT,
      held: held.length,
      usedAtKill,
      most,
      afterMost: mostAtOnce(after),
      finishedMs,
    });
  }, 90_000);

  it('refuses the late step of a worker SIGSTOPped past its lease and woken after the take-over', async () => {
    const COUNT = 12;
    const log = logOf('freeze');
    const running = await startWorkers({ log, flow: LIMITS });
    await startJobs('freeze-', COUNT, 600);
    const frozen = await workerInStep(log, running, 2);
    frozen.pause();
    const frozenAt = Date.now();
    await sleep(100);
    // Stopped: it writes nothing more; what it is inside of now, another must take over.
    const held = inStep(log, frozen.pid);
    expect(held.length).toBeGreaterThanOrEqual(1);
    await untilFinished('freeze-', COUNT);
    const finishedMs = Date.now() - frozenAt;
    const taken = await runsOf('freeze-', COUNT);
    for (const id of held)
      expect(taken.find((run) => run.id === id)?.pid).not.toBe(frozen.pid);

    frozen.resume();
    // Its steps' functions come back, and it tries to record them.
    await eventually(
      () =>
        held.every((id) =>
          linesOf(log).some(
            (line) =>
              line.id === id && line.pid === frozen.pid && line.event === 'end',
          ),
        ),
      BOUND_MS,
      "the frozen worker's steps returning after SIGCONT",
    );
    await sleep(LEASE_MS);
    // Woken, it is still a working process (its refused writes did not end it).
    expect(frozen.child.exitCode).toBeNull();
    const runs = await runsOf('freeze-', COUNT);
    expectSound(runs, COUNT);
    for (const id of held) {
      const run = runs.find((one) => one.id === id)!;
      expect(run.pid).not.toBe(frozen.pid);
      expect(await client.status(id)).toBe('finished');
    }
    expect(mostAtOnce(runs)).toBeLessThanOrEqual(2);
    expect(mostPerKey(runs)).toBe(1);
    expect(await slotsInUse()).toBe(0);
    // The woken worker goes on working: the next workflows run within the limits.
    await eightMore('after-freeze-');
    reportFigures('flow-freeze', {
      store: shared.label,
      workflows: COUNT,
      held: held.length,
      finishedMs,
    });
  }, 90_000);

  it('keeps the first claims within a rate limit of 10 a second across a SIGKILL', async () => {
    const COUNT = 60;
    const log = logOf('rate');
    const running = await startWorkers({
      log,
      flow: { rateLimit: { max: 10, perMs: 1000 } },
    });
    await startJobs('rate-', COUNT, 200);
    const victim = await workerInStep(log, running, 15);
    await bounded('SIGKILL', victim.kill());
    const killedAt = Date.now();
    const held = inStep(log, victim.pid);
    await untilFinished('rate-', COUNT);
    const finishedMs = Date.now() - killedAt;

    const runs = await runsOf('rate-', COUNT);
    expectSound(runs, COUNT);
    for (const id of held)
      expect(runs.find((run) => run.id === id)?.pid).not.toBe(victim.pid);
    const starts = runs.map((run) => run.claimed);
    expect(starts.every(Number.isFinite)).toBe(true);
    const mostInASecond = mostInWindow(starts, 1000);
    reportFigures('flow-rate-kill', {
      store: shared.label,
      workflows: COUNT,
      held: held.length,
      mostInASecond,
      finishedMs,
    });
    expect(mostInASecond).toBeLessThanOrEqual(10);
    expect(await slotsInUse()).toBe(0);
  }, 90_000);

  it('keeps the limits and leaks no slot when workers are SIGKILLed inside their claims', async () => {
    const VICTIMS = 6;
    let count = 40;
    const log = logOf('claim-kill');
    const deaths = logOf('claim-deaths');
    // One steady worker running one workflow at a time: the other slot is there to be won.
    await startWorkers({ log, flow: LIMITS }, { concurrency: 1 }, 1);
    await startJobs('claim-', count, 200);
    const startedAt = Date.now();
    /**
     * A victim dies only once its claim is under way long enough or has won a workflow (on
     * SQLite, whose claim does not yield, only then): it is left work until it dies. Without
     * that, on a loaded machine, the steady worker had finished all 40 before the fifth or sixth
     * victim had started.
     */
    const leaveWork = async () => {
      const { idle } = await store.countWorkflows({ name: 'job' });
      if (idle >= 2) return;
      await startJobs('claim-', 4, 200, undefined, count);
      count += 4;
    };
    const withWorkLeft = async <T>(exited: Promise<T>): Promise<T> => {
      let dead = false;
      const topping = (async () => {
        while (!dead) {
          await leaveWork();
          await sleep(100);
        }
      })();
      try {
        return await exited;
      } finally {
        dead = true;
        await topping;
      }
    };
    // One after another, each dies in one of its first limited claims: while it is under way
    // (slots being taken, workflows being won) or as it answers what it won, before running it.
    for (let i = 0; i < VICTIMS; i++) {
      const victim = launch(
        { log, flow: LIMITS },
        {},
        { log: deaths, withinMs: 8 },
      );
      const exit = await bounded(
        'a death in a claim',
        withWorkLeft(victim.exited),
      ).catch(async (error: Error) => {
        // What the store held meanwhile, read only once the wait failed (not to slow the run).
        const leases = await store.listLeases?.(Date.now() + LEASE_MS, 100);
        throw new Error(
          `${error.message}: victim ${i + 1} of ${VICTIMS}; counts ${JSON.stringify(await store.countWorkflows({ name: 'job' }))}; leases ${JSON.stringify(leases)}; slots ${await slotsInUse()}`,
        );
      });
      expect(exit.signal).toBe('SIGKILL');
    }
    await startWorkers({ log, flow: LIMITS }, {}, 1);
    const died = readFileSync(deaths, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as DeathInClaim);
    expect(died).toHaveLength(VICTIMS);
    const dead = new Set(died.map((death) => death.pid));
    // Not one step began in a dead worker: each died inside its claim.
    expect(linesOf(log).filter((line) => dead.has(line.pid))).toEqual([]);
    await untilFinished('claim-', count);
    const finishedMs = Date.now() - startedAt;

    const runs = await runsOf('claim-', count);
    expectSound(runs, count);
    expect(runs.filter((run) => dead.has(run.pid))).toEqual([]);
    const most = mostAtOnce(runs);
    expect(most).toBeLessThanOrEqual(2);
    expect(mostPerKey(runs)).toBe(1);
    expect(await slotsInUse()).toBe(0);
    // What the dead claims took is given back: the survivors still reach the limit.
    expect(mostAtOnce(await eightMore('after-claim-'))).toBe(2);
    reportFigures('flow-claim-kill', {
      store: shared.label,
      workflows: count,
      deaths: VICTIMS,
      underWay: died.filter((death) => death.phase === 'under-way').length,
      answered: died.filter((death) => death.phase === 'answered').length,
      wonByTheDead: died.reduce((total, death) => total + death.claimed, 0),
      most,
      finishedMs,
    });
  }, 90_000);

  it('starts the high-priority workflow of a full key once the slot of its SIGKILLed holder is recovered', async () => {
    const BACKLOG = 8;
    const log = logOf('priority');
    const flow: WorkflowFlowOptions = { concurrency: { perKey: 1 } };
    const running = await startWorkers({ log, flow });
    // The key's one slot is held by a long step, behind it a backlog, then the urgent one.
    await client.start(
      'holder0',
      'job',
      { stepMs: 3000 },
      { concurrencyKey: 'hot' },
    );
    const victim = await workerInStep(log, running, 1);
    await startJobs('backlog-', BACKLOG, 200, () => ({
      concurrencyKey: 'hot',
    }));
    await client.start(
      'urgent0',
      'job',
      { stepMs: 200 },
      { concurrencyKey: 'hot', priority: 10 },
    );
    await bounded('SIGKILL', victim.kill());
    const killedAt = Date.now();
    await untilFinished('backlog-', BACKLOG);
    expect(await client.status('urgent0')).toBe('finished');
    expect(await client.status('holder0')).toBe('finished');

    const runs = [
      ...(await runsOf('holder', 1)),
      ...(await runsOf('urgent', 1)),
      ...(await runsOf('backlog-', BACKLOG)),
    ];
    expectSound(runs, BACKLOG + 2);
    expect(mostPerKey(runs)).toBe(1);
    const order = [...runs]
      .sort((a, b) => a.start - b.start)
      .map((run) => run.id);
    // Once the slot is back the urgent one runs next after the holder taken over, but for the
    // odd claim that takes the oldest whatever its priority (one in ten): not behind the backlog.
    const urgentAt = order.indexOf('urgent0');
    expect(urgentAt).toBeLessThanOrEqual(3);
    expect(runs.find((run) => run.id === 'holder0')!.pid).not.toBe(victim.pid);
    expect(await slotsInUse()).toBe(0);
    const urgent = runs.find((run) => run.id === 'urgent0')!;
    reportFigures('flow-priority-kill', {
      store: shared.label,
      backlog: BACKLOG,
      urgentAmongRuns: urgentAt + 1,
      urgentStartedAfterKillMs: urgent.start - killedAt,
    });
  }, 90_000);
});
