import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import type { Persistence, WorkflowSummaryRecord } from '@lidex/nestjs';
import { eventually } from '../support/eventually';
import { reportFigures } from '../support/figures';
import {
  type ScheduleApp,
  startScheduleApp,
  stopScheduleApp,
} from '../support/schedule-apps';
import { processSuite, requireBuild } from '../support/worker-processes';

/** How long the instances run: 20 s by default (CI); LIDEX_SCHEDULE_RUN_MS=60000 for a minute. */
const RUN_MS = Number(process.env.LIDEX_SCHEDULE_RUN_MS ?? 20_000);
const SCHEDULE = 'every-second';

/** Every workflow the schedule started, read from the store page by page. */
async function ticksIn(store: Persistence): Promise<WorkflowSummaryRecord[]> {
  const all: WorkflowSummaryRecord[] = [];
  let after: { createdAt: number; id: string } | undefined;
  for (;;) {
    const page = await store.listWorkflows({
      name: SCHEDULE,
      limit: 500,
      after,
    });
    all.push(...page);
    if (page.length < 500) return all;
    const last = page[page.length - 1];
    after = { createdAt: last.createdAt, id: last.id };
  }
}

const tickOf = (id: string): number =>
  Date.parse(id.slice(SCHEDULE.length + 1));

/**
 * The "done when": three app instances (real processes) booted together on one store
 * with a one-second schedule, one of them SIGKILLed a third of the way in and restarted: every
 * tick of the run started exactly one workflow, none twice, and each finished.
 */
describe('a one-second schedule on three app instances, one killed and restarted', () => {
  beforeAll(requireBuild);
  const { dir, stores } = processSuite('lidex-schedule-apps-');

  describe.each(stores.map((store) => [store.label, store] as const))(
    '%s',
    (label, store) => {
      it(
        'starts every tick once across the instances',
        async () => {
          const journal = join(dir, `ticks-${label}.log`);
          writeFileSync(journal, '');
          const apps: ScheduleApp[] = [];
          const persistence = store.open();
          await persistence.init();
          try {
            const spawned = Date.now();
            apps.push(
              ...(await Promise.all(
                [0, 1, 2].map(() => startScheduleApp(store, journal)),
              )),
            );
            // Booting three Nest apps at once takes seconds on a loaded machine; ticks start
            // as soon as the first has saved the schedule.
            const booted = Date.now();
            await pause(RUN_MS / 3);
            await stopScheduleApp(apps[0], 'SIGKILL');
            await pause(3_000);
            apps[0] = await startScheduleApp(store, journal);
            await pause(RUN_MS - RUN_MS / 3 - 3_000);
            await Promise.all(
              apps.map((app) => stopScheduleApp(app, 'SIGTERM')),
            );
            const stopped = Date.now();

            // The run the killed instance held is finished by another once its lease ends.
            await eventually(
              async () =>
                (await ticksIn(persistence)).every(
                  (w) => w.status === 'finished',
                ),
              20_000,
              'every tick finished',
            );
            const workflows = await ticksIn(persistence);
            const ticks = workflows
              .map((w) => tickOf(w.id))
              .sort((a, b) => a - b);
            const first = ticks[0];
            const last = ticks[ticks.length - 1];
            const expected = (last - first) / 1000 + 1;
            const missing = expected - new Set(ticks).size;
            const runs = readFileSync(journal, 'utf8')
              .split('\n')
              .filter(Boolean);
            const stepRuns = new Map<string, number>();
            for (const line of runs) {
              const id = line.split(' ')[0];
              stepRuns.set(id, (stepRuns.get(id) ?? 0) + 1);
            }
            reportFigures(`schedule on three instances (${label})`, {
              runMs: stopped - spawned,
              bootMs: booted - spawned,
              ticks: ticks.length,
              missingTicks: missing,
              duplicateTicks: ticks.length - new Set(ticks).size,
              stepsRunTwice: [...stepRuns.values()].filter((n) => n > 1).length,
            });

            expect(new Set(ticks).size).toBe(ticks.length); // none twice
            expect(missing).toBe(0); // every tick from the first to the last
            expect(ticks.length).toBeGreaterThanOrEqual(
              Math.floor((RUN_MS * 0.7) / 1000),
            );
            expect(first).toBeLessThanOrEqual(booted + 3_000);
            expect(last).toBeGreaterThanOrEqual(stopped - 5_000);
            expect(workflows.every((w) => w.status === 'finished')).toBe(true);
            for (const app of apps) expect(app.output()).not.toMatch(/ERROR/);
          } finally {
            await Promise.all(
              apps.map((app) => stopScheduleApp(app, 'SIGKILL')),
            );
            await persistence.close();
          }
        },
        RUN_MS + 90_000,
      );
    },
  );
});
