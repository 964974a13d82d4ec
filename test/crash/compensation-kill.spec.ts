import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LidexEngine, type Persistence } from '@lidex/nestjs';
import { eventually } from '../support/eventually';
import { processSuite, requireBuild } from '../support/worker-processes';
import type { CompensationOptions } from '../support/worker/compensation-workflows';
import { builtHarness, WorkerProcess } from '../support/worker/launcher';
import { within } from '../support/within';

/** Every wait of the test is bounded: a step, a kill or an end that does not come fails it. */
const BOUND_MS = 15_000;

interface UndoLine {
  pid: number;
  undo: string;
  at: number;
}

const bounded = <T>(what: string, work: Promise<T>): Promise<T> =>
  within(BOUND_MS, what, work);

const suite = processSuite('lidex-compensation-kill-');

/**
 * The "done when", in real processes, on every store the crash suites use: a cancelled
 * workflow's compensations run in reverse, each once, and at least once across a SIGKILL of the
 * worker running them. One worker runs at a time, so FerretDB's non-atomic conditional updates
 * meet no racing worker here (only the client's cancel, as in any deployment).
 */
describe.each(suite.stores)(
  'compensations across a SIGKILL on $label (real processes)',
  (store) => {
    const log = join(suite.dir, `undo-${store.label}.jsonl`);
    const workers: WorkerProcess[] = [];
    let persistence: Persistence | undefined;
    let client: LidexEngine | undefined;

    beforeAll(requireBuild);
    afterAll(async () => {
      await Promise.all(workers.map((worker) => worker.kill()));
      // The engine closes its store; a store opened without an engine is closed here.
      await (client ?? persistence)?.close();
    });

    const undone = (): UndoLine[] =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter((line) => line.endsWith('}'))
            .map((line) => JSON.parse(line) as UndoLine)
        : [];

    async function worker(
      options: CompensationOptions = { log },
      concurrency = 10,
    ): Promise<WorkerProcess> {
      const started = WorkerProcess.launch({
        store: store.spec,
        engine: { pollIntervalMs: 20, timeoutIntervalMs: 1000, concurrency },
        workflows: {
          module: builtHarness('compensation-workflows.js'),
          options,
        },
      });
      workers.push(started);
      await bounded(
        'worker ready',
        started.until(() => started.ready),
      );
      return started;
    }

    /** Starts an `order`, and cancels it once both its steps are recorded. */
    async function cancelAfterBothSteps(id: string): Promise<void> {
      await client!.start(id, 'order', null);
      await eventually(
        async () => (await client!.get(id))?.steps.length === 2,
        BOUND_MS,
        'both steps recorded',
      );
      expect(await client!.cancel(id)).toBe(true);
    }

    it('runs the refund again after its worker is killed in it, then the release, once', async () => {
      persistence = store.open();
      await persistence.init();
      client = new LidexEngine({ store: persistence, clientOnly: true });
      const first = await worker();
      await cancelAfterBothSteps('order-1');
      // The worker may claim it at once: a claim leaves it `compensating`. (On mongo-java-server,
      // whose claims are single updates that read nothing first, the claim sets it back with a
      // second update, and a read in between sees `running`.)
      if (store.label !== 'mongo-java-server') {
        expect(await client.status('order-1')).toBe('compensating');
      }
      await eventually(() => undone().length === 1, BOUND_MS, 'refund begun');
      expect(await client.status('order-1')).toBe('compensating');
      // Killed inside the refund (it holds until then): nothing of it is recorded.
      await bounded('SIGKILL', first.kill());
      expect(await client.status('order-1')).toBe('compensating');

      const second = await worker();
      expect(await client.wait('order-1', { timeoutMs: BOUND_MS })).toBe(
        'cancelled',
      );
      const lines = undone();
      expect(lines.map((line) => line.undo)).toEqual([
        'refund',
        'refund',
        'release',
      ]);
      expect(lines[0].pid).toBe(first.pid);
      expect(lines.slice(1).map((line) => line.pid)).toEqual([
        second.pid,
        second.pid,
      ]);
      const info = await client.get('order-1');
      expect(info?.compensations?.map((c) => [c.stepId, c.status])).toEqual([
        ['charge', 'compensated'],
        ['reserve', 'compensated'],
      ]);
      await bounded('worker stop', second.stop());
    }, 45_000);

    it('a worker frozen inside a refund and woken after the take-over ends that run: it has room again', async () => {
      // Before, the woken worker's run waited for ever on its refused write: at concurrency 1
      // it ran nothing more, and its stop waited out the shutdown grace.
      const frozenLog = join(suite.dir, `frozen-${store.label}.jsonl`);
      const undoneIn = () =>
        existsSync(frozenLog)
          ? readFileSync(frozenLog, 'utf8').split('\n').filter(Boolean)
          : [];
      persistence ??= store.open();
      await persistence.init();
      client ??= new LidexEngine({ store: persistence, clientOnly: true });
      const first = await worker({ log: frozenLog, holdMs: 2500 }, 1);
      await cancelAfterBothSteps('order-2');
      await eventually(() => undoneIn().length === 1, BOUND_MS, 'refund begun');
      first.pause();
      const second = await worker({ log: frozenLog });
      expect(await client.wait('order-2', { timeoutMs: BOUND_MS })).toBe(
        'cancelled',
      );
      await bounded('second worker stop', second.stop());
      // Woken past its hold: its refund returns, its write is refused (the lease was taken).
      first.resume();
      await client.start('quick-2', 'quick', null);
      expect(await client.wait('quick-2', { timeoutMs: BOUND_MS })).toBe(
        'finished',
      );
      expect((await client.get('quick-2'))?.result).toBe(first.pid);
      const stopping = Date.now();
      await bounded('first worker stop', first.stop());
      expect(Date.now() - stopping).toBeLessThan(5000);
      expect(
        (await client.get('order-2'))?.compensations?.map((c) => c.status),
      ).toEqual(['compensated', 'compensated']);
    }, 60_000);
  },
);
