import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LidexEngine } from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { eventually } from '../support/eventually';
import { requireBuild } from '../support/worker-processes';
import { tempDir } from '../support/temp-dir';
import { builtHarness, WorkerProcess } from '../support/worker/launcher';

interface AttemptLine {
  pid: number;
  attempt: number;
  key: string;
  at: number;
}

/**
 * The "done when", in real processes: a worker SIGKILLed while a step waits between two
 * attempts; the next worker goes on at the next attempt, not from attempt 1.
 */
describe('a step retried across a SIGKILL (real processes, SQLite)', () => {
  const dir = tempDir('lidex-step-kill-');
  const path = join(dir.path, 'lidex.sqlite');
  const log = join(dir.path, 'attempts.jsonl');
  const workers: WorkerProcess[] = [];
  let client: LidexEngine;

  beforeAll(() => requireBuild());
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.kill()));
    await client?.close();
    dir.remove();
  });

  /** The attempts logged so far, whole lines only (the worker may have just created the file). */
  const attempts = (): AttemptLine[] =>
    existsSync(log)
      ? readFileSync(log, 'utf8')
          .split('\n')
          .filter((line) => line.endsWith('}'))
          .map((line) => JSON.parse(line) as AttemptLine)
      : [];

  /** A worker process of the shared harness running `flaky`, its waits of 3 s held in memory. */
  async function worker(): Promise<WorkerProcess> {
    const started = await WorkerProcess.start({
      store: { sqlite: path },
      engine: {
        pollIntervalMs: 20,
        timeoutIntervalMs: 1000,
        sleepInMemoryMaxMs: 10_000,
      },
      workflows: {
        module: builtHarness('step-retry-workflows.js'),
        options: { log },
      },
    });
    workers.push(started);
    return started;
  }

  it('resumes at attempt 2 after the worker is killed in the backoff after attempt 1', async () => {
    const store = new SqliteStore({ path });
    await store.init();
    client = new LidexEngine({ store, clientOnly: true });
    const first = await worker();
    await client.start('flaky-1', 'flaky', null);
    await eventually(() => attempts().length === 1, 20_000, 'attempt 1');
    // Attempt 1 failed and is recorded; the worker waits 3 s in memory before attempt 2.
    await eventually(
      async () =>
        (await client.get('flaky-1'))?.steps[0]?.attempts?.length === 1,
      20_000,
      'attempt 1 recorded',
    );
    await first.kill();
    expect(attempts()).toHaveLength(1);

    const second = await worker();
    const done = await client.wait('flaky-1', { timeoutMs: 30_000 });
    expect(done).toBe('finished');
    const lines = attempts();
    expect(lines.map((line) => line.attempt)).toEqual([1, 2, 3]);
    expect(lines[0].pid).toBe(first.pid);
    // The second worker began at attempt 2: attempt 1 was not run again.
    expect(lines.slice(1).map((line) => line.pid)).toEqual([
      second.pid,
      second.pid,
    ]);
    expect(new Set(lines.map((line) => line.key)).size).toBe(1);
    // Attempt 2 waited out attempt 1's backoff (3 s from its end), though its worker had died.
    expect(lines[1].at - lines[0].at).toBeGreaterThanOrEqual(3000);

    const info = await client.get('flaky-1');
    expect(info?.result).toBe('ok at attempt 3');
    expect(info?.failures).toBe(0);
    expect(info?.steps[0].attempts?.map((a) => a.error?.message)).toEqual([
      'api down (attempt 1)',
      'api down (attempt 2)',
      undefined,
    ]);
    await second.stop();
  });
});
