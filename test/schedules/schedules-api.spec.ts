import { ManualClock } from '@lidex/nestjs/testing';
import {
  InvalidArgumentError,
  ScheduleNotFoundError,
  UnknownWorkflowError,
  type WorkflowContext,
} from '@lidex/nestjs';
import { messages } from '../../lib/lidex.messages';
import {
  HOUR,
  MINUTE,
  SECOND,
  ScheduleHarness,
  tickIds,
} from './schedule-harness';

const T0 = new Date('2030-01-01T09:30:00Z');

describe('client.schedules', () => {
  let harness: ScheduleHarness;
  beforeEach(() => {
    harness = new ScheduleHarness(new ManualClock(T0));
  });
  afterEach(() => harness.closeAll());

  it('creates, updates, lists with the next fire time, pauses, resumes, triggers, removes', async () => {
    const { schedules } = harness.boot();
    const hourly = { workflow: 'job', every: HOUR, input: { report: 'sales' } };
    expect(await schedules.create('hourly', hourly)).toBe('created');
    expect(await schedules.create('hourly', hourly)).toBe('unchanged');
    expect(await schedules.list()).toMatchObject([
      {
        id: 'hourly',
        workflow: 'job',
        input: { report: 'sales' },
        every: HOUR,
        paused: false,
        missed: 'skip',
        overlap: 'skip',
        nextFireAt: new Date('2030-01-01T10:00:00Z'),
      },
    ]);
    expect(
      await schedules.create('hourly', {
        ...hourly,
        cron: '0 */2 * * *',
        every: undefined,
      }),
    ).toBe('updated');
    expect((await schedules.get('hourly'))?.nextFireAt).toEqual(
      new Date('2030-01-01T10:00:00Z'),
    );
    await harness.clock.advance(HOUR); // 10:00 ticks
    expect(await harness.startedIds()).toEqual(
      tickIds('hourly', ['2030-01-01T10:00:00Z']),
    );

    await schedules.pause('hourly');
    expect((await schedules.get('hourly'))?.nextFireAt).toBeUndefined();
    await harness.clock.advance(4 * HOUR); // 12:00 and 14:00 pass while paused
    await schedules.resume('hourly');
    await harness.clock.advance(2 * HOUR); // 16:00 ticks; the paused ones never do
    const triggered = await schedules.trigger('hourly');
    await harness.clock.runDue();
    expect(await harness.startedIds()).toEqual(
      [
        ...tickIds('hourly', ['2030-01-01T10:00:00Z', '2030-01-01T16:00:00Z']),
        triggered,
      ].sort(),
    );
    expect(await harness.engines[0].get(triggered)).toMatchObject({
      status: 'finished',
      input: { report: 'sales' },
    });

    expect(await schedules.remove('hourly')).toBe(true);
    expect(await schedules.list()).toEqual([]);
    await harness.clock.advance(4 * HOUR);
    expect(await harness.startedIds()).toHaveLength(3);
    await expect(schedules.pause('hourly')).rejects.toThrow(
      new ScheduleNotFoundError('hourly'),
    );
    await expect(schedules.trigger('hourly')).rejects.toThrow(
      messages.scheduleNotFound('hourly'),
    );
  });

  it('refuses bad schedules, naming the call and the fix', async () => {
    const { schedules } = harness.boot();
    const call = 'client.schedules.create("s")';
    const cases: [object, string, string][] = [
      [
        { cron: '61 * * * *' },
        'cron "61 * * * *" is not a cron expression (CronPattern: Invalid value for minute: 61)',
        `Give five fields (minute hour day month weekday: '30 2 * * *') or six with seconds first.`,
      ],
      [
        { cron: '0 3 * * *', timezone: 'Mars/Base' },
        'timezone "Mars/Base" is not an IANA time zone',
        `Give a name such as 'Europe/Berlin', 'America/New_York' or 'UTC'.`,
      ],
      [
        {},
        'a schedule needs a cron expression or an interval',
        `Give either { cron: '0 3 * * *' } or { every: 60_000 } (ms).`,
      ],
      [
        { every: 10 },
        'every must be a whole number of ms >= 1000, got 10',
        `Give { every: 1_000 } for each second, or a cron with seconds ('*/5 * * * * *').`,
      ],
    ];
    for (const [timing, problem, fix] of cases) {
      await expect(
        schedules.create('s', { workflow: 'job', ...timing }),
      ).rejects.toThrow(
        new InvalidArgumentError(messages.invalidSchedule(call, problem, fix)),
      );
    }
    await expect(
      schedules.create('s', { workflow: 'nope', every: SECOND }),
    ).rejects.toThrow(UnknownWorkflowError);
  });

  it('overlap skip passes over a tick while the last run goes on; allow starts it', async () => {
    const slow = async (ctx: WorkflowContext) => {
      await ctx.sleep('long', 90 * MINUTE);
      return 'done';
    };
    const engine = harness.boot({ job: slow });
    await engine.schedules.create('skip', { workflow: 'job', every: HOUR });
    await engine.schedules.create('allow', {
      workflow: 'job',
      every: HOUR,
      overlap: 'allow',
    });
    for (let i = 0; i < 3; i++) await harness.clock.advance(HOUR); // 10:00, 11:00, 12:00
    const ids = await harness.startedIds();
    expect(ids.filter((id) => id.startsWith('skip@'))).toEqual(
      tickIds('skip', ['2030-01-01T10:00:00Z', '2030-01-01T12:00:00Z']),
    );
    expect(ids.filter((id) => id.startsWith('allow@'))).toHaveLength(3);
    expect(
      harness.logger.has(
        messages.scheduleTickSkipped(
          'skip',
          Date.parse('2030-01-01T11:00:00Z'),
          'skip@2030-01-01T10:00:00.000Z',
        ),
      ),
    ).toBe(true);
  });

  it('two instances booted at the same moment start each tick once', async () => {
    const [a, b] = [harness.boot(), harness.boot()];
    await Promise.all([
      a.schedules.create('second', { workflow: 'job', every: SECOND }),
      b.schedules.create('second', { workflow: 'job', every: SECOND }),
    ]);
    for (let i = 0; i < 30; i++) await harness.clock.advance(SECOND);
    const ids = await harness.startedIds();
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
  });
});
