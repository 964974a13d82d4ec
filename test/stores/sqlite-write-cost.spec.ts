import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LidexEngine, type WorkflowContext } from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { tempDir } from '../support/temp-dir';

/** Write system calls this process has made so far (Linux: /proc/self/io's `syscw`). */
const writeCalls = (): number =>
  Number(/^syscw: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))![1]);

const onLinux = existsSync('/proc/self/io') ? describe : describe.skip;

/**
 * What SQLite writes to the disk for a workflow, beside its commits. The writes of one group
 * commit run in savepoints, whose rollback journal SQLite keeps in a temporary file by default:
 * every page a write touched was copied there (about 24 write calls and 52 KB a 3-step workflow,
 * half the process's CPU on a busy file), though that journal is never read after a crash.
 */
onLinux('SQLite store: writes a workflow costs', () => {
  const dir = tempDir('lidex-sqlite-cost-');
  afterAll(() => dir.remove());

  it('makes few write calls per 3-step workflow (no temporary journal file)', async () => {
    const store = new SqliteStore({ path: join(dir.path, 'cost.sqlite') });
    await store.init();
    const engine = new LidexEngine({
      store,
      concurrency: 50,
      pollIntervalMs: 20,
      handlers: {
        async threeSteps(ctx: WorkflowContext) {
          await ctx.step('a', () => 1);
          await ctx.step('b', () => 2);
          await ctx.step('c', () => 3);
          return 'ok';
        },
      },
    });
    engine.startWorker();
    try {
      const workflows = 500;
      const before = writeCalls();
      const ids = Array.from({ length: workflows }, (_, i) => `w${i}`);
      await Promise.all(ids.map((id) => engine.start(id, 'threeSteps', null)));
      for (const id of ids) await engine.result(id);
      const perWorkflow = (writeCalls() - before) / workflows;
      // About 28 with the journal in a temporary file, about 4 in memory (WAL frames, checkpoints).
      expect(perWorkflow).toBeLessThan(10);
    } finally {
      await engine.close();
      await store.close();
    }
  });
});
