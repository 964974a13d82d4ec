import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import {
  InvalidArgumentError,
  LidexModule,
  Workflow,
  type WorkflowContext,
  type WorkflowScheduleOptions,
} from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { ManualClock } from '@lidex/nestjs/testing';
import { messages } from '../../lib/lidex.messages';
import { bootNestApp } from '../support/nest-app';
import { tempDir } from '../support/temp-dir';
import { HOUR, MINUTE } from './schedule-harness';

/** A provider whose workflow has the given schedule, as an app would declare it. */
function reportsWith(schedule: WorkflowScheduleOptions) {
  @Injectable()
  class Reports {
    @Workflow('nightly-report', { schedule })
    report(ctx: WorkflowContext, input: { kind: string }): Promise<string> {
      return ctx.step('render', () => Promise.resolve(`${input.kind} done`));
    }
  }
  return Reports;
}

describe('@Workflow(name, { schedule })', () => {
  const dir = tempDir('lidex-schedules-');
  afterAll(() => dir.remove());

  it('is saved at boot, ticks, and a changed cron updates the stored schedule', async () => {
    const path = join(dir.path, 'decorated.sqlite');
    const clock = new ManualClock(new Date('2030-01-01T01:30:00Z'));
    const boot = (schedule: WorkflowScheduleOptions) => {
      const Reports = reportsWith(schedule);
      return bootNestApp([
        LidexModule.forRoot({ persistence: new SqliteStore({ path }), clock }),
        { module: class ReportsModule {}, providers: [Reports] },
      ]);
    };
    const first = await boot({ cron: '0 3 * * *', input: { kind: 'sales' } });
    expect(await first.client.schedules.list()).toMatchObject([
      {
        id: 'nightly-report',
        workflow: 'nightly-report',
        cron: '0 3 * * *',
        timezone: 'UTC',
        nextFireAt: new Date('2030-01-01T03:00:00Z'),
      },
    ]);
    await clock.advance(2 * HOUR);
    const tick = 'nightly-report@2030-01-01T03:00:00.000Z';
    expect(await first.client.get(tick)).toMatchObject({
      status: 'finished',
      result: 'sales done',
    });
    await first.app.close();

    const second = await boot({ cron: '0 4 * * *', input: { kind: 'sales' } });
    const [updated] = await second.client.schedules.list();
    expect(updated).toMatchObject({
      cron: '0 4 * * *',
      lastWorkflowId: tick,
      nextFireAt: new Date('2030-01-01T04:00:00Z'),
    });
    expect(
      second.logger.has(
        messages.scheduleSaved(
          'nightly-report',
          'nightly-report',
          'updated',
          Date.parse('2030-01-01T04:00:00Z'),
        ),
      ),
    ).toBe(true);
    await clock.advance(30 * MINUTE);
    expect(
      await second.client.status('nightly-report@2030-01-01T04:00:00.000Z'),
    ).toBe('finished');
  });

  it('refuses a bad schedule when the class is defined, naming the workflow and the fix', () => {
    expect(() => reportsWith({ cron: 'every day' })).toThrow(
      InvalidArgumentError,
    );
    expect(() => reportsWith({ every: 500 })).toThrow(
      messages.invalidSchedule(
        '@Workflow("nightly-report") schedule',
        'every must be a whole number of ms >= 1000, got 500',
        `Give { every: 1_000 } for each second, or a cron with seconds ('*/5 * * * * *').`,
      ),
    );
    expect(() =>
      reportsWith({ every: HOUR, timezone: 'Europe/Berlin' }),
    ).toThrow('timezone applies to cron, not to every');
    expect(() =>
      reportsWith({ cron: '0 3 * * *', missed: 'some' as never }),
    ).toThrow(`missed must be 'skip', 'latest' or 'all', got "some"`);
  });
});
