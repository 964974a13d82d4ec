import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LidexEngine } from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { eventually } from '../support/eventually';
import { requireBuild } from '../support/worker-processes';
import { tempDir } from '../support/temp-dir';
import { builtHarness, WorkerProcess } from '../support/worker/launcher';

interface UndoLine {
  pid: number;
  undo: string;
  at: number;
}

/**
 * The "done when", in real processes: a cancelled workflow's compensations run in
 * reverse, each once, and at least once across a SIGKILL of the worker running them.
 */
describe('compensations across a SIGKILL (real processes, SQLite)', () => {
  const dir = tempDir('lidex-compensation-kill-');
  const path = join(dir.path, 'lidex.sqlite');
  const log = join(dir.path, 'undo.jsonl');
  const workers: WorkerProcess[] = [];
  let client: LidexEngine;

  beforeAll(() => requireBuild());
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.kill()));
    await client?.close();
    dir.remove();
  });

  const undone = (): UndoLine[] =>
    existsSync(log)
      ? readFileSync(log, 'utf8')
          .split('\n')
          .filter((line) => line.endsWith('}'))
          .map((line) => JSON.parse(line) as UndoLine)
      : [];

  async function worker(): Promise<WorkerProcess> {
    const started = await WorkerProcess.start({
      store: { sqlite: path },
      engine: { pollIntervalMs: 20, timeoutIntervalMs: 1000 },
      workflows: {
        module: builtHarness('compensation-workflows.js'),
        options: { log },
      },
    });
    workers.push(started);
    return started;
  }

  it('runs the refund again after its worker is killed in it, then the release, once', async () => {
    const store = new SqliteStore({ path });
    await store.init();
    client = new LidexEngine({ store, clientOnly: true });
    const first = await worker();
    await client.start('order-1', 'order', null);
    await eventually(
      async () => (await client.get('order-1'))?.steps.length === 2,
      20_000,
      'both steps recorded',
    );
    expect(await client.cancel('order-1')).toBe(true);
    expect(await client.status('order-1')).toBe('compensating');
    await eventually(() => undone().length === 1, 20_000, 'refund begun');
    // Killed inside the refund (it takes 3 s): nothing of it is recorded.
    await first.kill();
    expect(await client.status('order-1')).not.toBe('cancelled');

    const second = await worker();
    expect(await client.wait('order-1', { timeoutMs: 30_000 })).toBe(
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
    await second.stop();
  });
});
