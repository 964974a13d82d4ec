import { InvalidArgumentError, LidexEngine, MemoryStore } from '@lidex/nestjs';
import { Workflow } from '../../lib/workflow.decorator';
import { messages } from '../../lib/lidex.messages';
import { OLDEST_FIRST_EVERY } from '../../lib/engine/flow-limits';
import { makeEngine } from '../support/engine-harness';
import { eventually } from '../support/eventually';

/** A handler that records how many of it run at once, overall and per key. */
function gauge() {
  let running = 0;
  let most = 0;
  const byKey = new Map<string, number>();
  let mostPerKey = 0;
  let done = 0;
  const handler = async (
    ctx: { step<T>(id: string, fn: () => Promise<T>): Promise<T> },
    key: string,
  ) => {
    await ctx.step('work', async () => {
      running += 1;
      byKey.set(key, (byKey.get(key) ?? 0) + 1);
      most = Math.max(most, running);
      mostPerKey = Math.max(mostPerKey, byKey.get(key)!);
      await new Promise((resolve) => setTimeout(resolve, 15));
      running -= 1;
      byKey.set(key, byKey.get(key)! - 1);
    });
    done += 1;
  };
  return {
    handler,
    stats: () => ({ most, mostPerKey, done }),
  };
}

/**
 * An engine that runs one `job` at a time, its worker not started, and the ids of the jobs in the
 * order they ran.
 */
function inClaimOrder(store: MemoryStore, pollIntervalMs = 10) {
  const order: string[] = [];
  const { engine } = makeEngine(
    {},
    { store, worker: false, concurrency: 1, pollIntervalMs },
  );
  engine.register('job', (_ctx, id) => {
    order.push(id as string);
    return Promise.resolve();
  });
  return { engine, order };
}

describe('flow control on one engine', () => {
  it('runs no more than the concurrency limit at once, and one per key, though the worker has room', async () => {
    const store = new MemoryStore();
    const { handler, stats } = gauge();
    const { engine } = makeEngine({}, { store, concurrency: 20 });
    engine.register('export', handler as never, {
      concurrency: { limit: 3, perKey: 1 },
    });
    for (let i = 0; i < 24; i++)
      await engine.start(`e${i}`, 'export', `k${i % 6}`, {
        concurrencyKey: `k${i % 6}`,
      });
    await eventually(() => stats().done === 24, 20_000, '24 done');
    expect(stats().most).toBe(3);
    expect(stats().mostPerKey).toBe(1);
  });

  it('starts no more per concurrency key than the per-key rate limit, other keys meanwhile', async () => {
    let now = Date.UTC(2026, 0, 1);
    const started: string[] = [];
    const { engine } = makeEngine({}, { now: () => now, concurrency: 10 });
    engine.register(
      'charge',
      (_ctx, id) => {
        started.push(id as string);
        return Promise.resolve();
      },
      { rateLimit: { perKey: 1, perMs: 60_000 } },
    );
    for (const id of ['a1', 'b1', 'c1', 'a2', 'b2', 'c2'])
      await engine.start(id, 'charge', id, { concurrencyKey: id[0] });
    await eventually(() => started.length === 3, 10_000, '3 started');
    // Well past many polls, within the minute: the second of each key waits.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(started.sort()).toEqual(['a1', 'b1', 'c1']);
    now += 60_001;
    await eventually(() => started.length === 6, 10_000, '6 started');
  });

  it('starts higher priorities first', async () => {
    const store = new MemoryStore();
    const { engine, order } = inClaimOrder(store);
    await engine.start('low', 'job', 'low', { priority: -1 });
    await engine.start('plain', 'job', 'plain');
    await engine.start('vip', 'job', 'vip', { priority: 10 });
    engine.startWorker();
    await eventually(() => order.length === 3, 10_000, '3 run');
    expect(order).toEqual(['vip', 'plain', 'low']);
  });

  /** A memory store whose first `empty` claims find nothing (the worker polled an empty table). */
  class EmptyAtFirst extends MemoryStore {
    claims = 0;
    constructor(private readonly empty: number) {
      super();
    }
    override claimReady(
      ...args: Parameters<MemoryStore['claimReady']>
    ): ReturnType<MemoryStore['claimReady']> {
      this.claims += 1;
      if (this.claims <= this.empty) return Promise.resolve([]);
      return super.claimReady(...args);
    }
  }

  it('starts higher priorities first after many polls that found nothing', async () => {
    // A worker that polled 19 times in vain: its 20th claim is the first to find work. Counted
    // in polls, one in ten claims takes the oldest, so a periodic workload (steps ten polls long)
    // saw every claim with work take the oldest and priorities ignored.
    const store = new EmptyAtFirst(19);
    const { engine, order } = inClaimOrder(store, 1);
    await engine.start('old', 'job', 'old');
    await engine.start('vip', 'job', 'vip', { priority: 10 });
    engine.startWorker();
    await eventually(() => order.length === 2, 10_000, '2 run');
    expect(store.claims).toBeGreaterThanOrEqual(20);
    expect(order).toEqual(['vip', 'old']);
  });

  it('runs a low priority within ten claims under a stream of higher ones', async () => {
    const store = new MemoryStore();
    const { engine, order } = inClaimOrder(store);
    await engine.start('low', 'job', 'low');
    for (let i = 0; i < 30; i++)
      await engine.start(`vip${i}`, 'job', `vip${i}`, { priority: 10 });
    engine.startWorker();
    await eventually(() => order.length === 31, 10_000, '31 run');
    expect(order.indexOf('low')).toBe(OLDEST_FIRST_EVERY - 1);
  });

  it('refuses bad flow options, naming the option and the fix', () => {
    const engine = new LidexEngine({ store: new MemoryStore(), handlers: {} });
    expect(() =>
      engine.register('x', () => Promise.resolve(), {
        concurrency: { limit: 0 },
      }),
    ).toThrow(
      new InvalidArgumentError(
        messages.flowLimitInvalid(
          '@Workflow("x") option "concurrency" "limit"',
          0,
        ),
      ),
    );
    expect(() => {
      class Jobs {
        @Workflow('y', { rateLimit: { max: 5, perMs: 1.5 } })
        y() {
          return Promise.resolve();
        }
      }
      return Jobs;
    }).toThrow(
      messages.flowLimitInvalid(
        '@Workflow("y") option "rateLimit" "perMs"',
        1.5,
      ),
    );
    expect(() =>
      engine.register('w', () => Promise.resolve(), {
        rateLimit: { perMs: 1000 },
      }),
    ).toThrow(
      messages.flowOptionNotObject(
        '@Workflow("w") option "rateLimit"',
        { perMs: 1000 },
        ['max', 'perKey'],
      ),
    );
    engine.register('z', () => Promise.resolve());
    return Promise.all([
      expect(engine.start('a', 'z', 1, { priority: 1.5 })).rejects.toThrow(
        messages.priorityInvalid(1.5),
      ),
      expect(engine.start('b', 'z', 1, { concurrencyKey: '' })).rejects.toThrow(
        messages.concurrencyKeyInvalid(''),
      ),
    ]);
  });
});

describe('flow control on a store without it', () => {
  it('refuses to start the worker for limited workflows, naming them', () => {
    const store = new MemoryStore();
    Object.defineProperty(store, 'flowControl', { value: undefined });
    const engine = new LidexEngine({ store, handlers: {} });
    engine.register('export', () => Promise.resolve(), {
      concurrency: { limit: 1 },
    });
    expect(() => engine.startWorker()).toThrow(
      messages.flowControlUnsupported(store.describe(), ['export']),
    );
  });
});

describe('per-key rate limits on a store without them', () => {
  it('refuses to start the worker for workflows that declare one, naming them', () => {
    const store = new MemoryStore();
    Object.defineProperty(store, 'keyedRateLimits', { value: undefined });
    const engine = new LidexEngine({ store, handlers: {} });
    engine.register('charge', () => Promise.resolve(), {
      rateLimit: { max: 50, perKey: 5, perMs: 1000 },
    });
    engine.register('export', () => Promise.resolve(), {
      rateLimit: { max: 50, perMs: 1000 },
    });
    expect(() => engine.startWorker()).toThrow(
      messages.keyedRateLimitsUnsupported(store.describe(), ['charge']),
    );
  });
});

describe('priority and key in list() and get()', () => {
  it('shows the priority and concurrency key a workflow started with', async () => {
    const { engine } = makeEngine({}, { worker: false });
    engine.register('job', () => Promise.resolve());
    await engine.start('vip', 'job', 1, { priority: 7, concurrencyKey: 'c1' });
    await engine.start('plain', 'job', 1);
    const { workflows } = await engine.list({});
    expect(workflows.find((w) => w.id === 'vip')).toMatchObject({
      priority: 7,
      concurrencyKey: 'c1',
    });
    expect(workflows.find((w) => w.id === 'plain')?.priority).toBeUndefined();
    expect(await engine.get('vip')).toMatchObject({
      priority: 7,
      concurrencyKey: 'c1',
    });
  });
});

describe('firstClaimedAt in get()', () => {
  // The README: "The rate limit counts starts (a workflow's first claim, `firstClaimedAt` in
  // `get()`)". get() had no such field (TS2339 in an app reading it), though every store keeps it.
  it('is when a worker first claimed the workflow, the same after it is claimed again', async () => {
    const { engine } = makeEngine(
      {
        nap: async (ctx) => {
          await ctx.sleep('nap', 30);
          return 'woke';
        },
      },
      { sleepInMemoryMaxMs: 0 },
    );
    expect(await engine.start('n-1', 'nap', null)).toBe(true);
    const before = Date.now();
    expect(await engine.wait('n-1', { timeoutMs: 5000 })).toBe('finished');
    const info = await engine.get('n-1');
    expect(info?.attempts).toBeGreaterThanOrEqual(2);
    const first: Date | undefined = info?.firstClaimedAt;
    expect(first).toBeInstanceOf(Date);
    expect(first!.getTime()).toBeLessThanOrEqual(before);
    expect(first!.getTime()).toBeGreaterThanOrEqual(info!.createdAt.getTime());
    expect(first!.getTime()).toBeLessThan(
      info!.steps.find((step) => step.id === 'nap')!.recordedAt.getTime() + 1,
    );
  });

  it('is absent before the first claim', async () => {
    const { engine } = makeEngine({ job: async () => 1 }, { worker: false });
    await engine.start('j-1', 'job', null);
    expect((await engine.get('j-1'))?.firstClaimedAt).toBeUndefined();
  });
});
