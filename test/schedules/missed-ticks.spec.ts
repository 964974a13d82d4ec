import { ManualClock } from '@lidex/nestjs/testing';
import type { MissedTicksPolicy } from '@lidex/nestjs';
import { HOUR, DAY, ScheduleHarness, tickIds } from './schedule-harness';

/**
 * The "done when": an hourly schedule whose instances were all down for a simulated day
 * (the manual clock) follows its missed-ticks policy when one boots again, then ticks on as usual.
 */
describe('missed ticks after a day of downtime', () => {
  let harness: ScheduleHarness;
  afterEach(() => harness.closeAll());

  async function afterADayDown(missed: MissedTicksPolicy, maxMissed?: number) {
    harness = new ScheduleHarness(
      new ManualClock(new Date('2030-01-01T09:30:00Z')),
    );
    const first = harness.boot();
    await first.schedules.create('hourly', {
      workflow: 'job',
      every: HOUR,
      missed,
      maxMissed,
      overlap: 'allow', // catching up: each missed tick's run starts without waiting for the last
    });
    await harness.clock.advance(HOUR); // 10:00 ticks while the instance is up
    await harness.down(first);
    await harness.clock.advance(DAY); // nobody up: 24 ticks, 11:00 .. 10:00, are missed
    harness.boot();
    await harness.clock.runDue();
    const afterBoot = await harness.startedIds();
    await harness.clock.advance(HOUR); // 11:00 the next day: on time again
    return { afterBoot, afterNextTick: await harness.startedIds() };
  }

  const before = tickIds('hourly', ['2030-01-01T10:00:00Z']);
  /** The missed ticks: due 11:00 on the first day through 10:00 on the next, 30 min before the boot. */
  const MISSED_SPAN =
    'Schedule "hourly": 24 ticks, 2030-01-01T11:00:00.000Z to 2030-01-02T10:00:00.000Z, were ' +
    'missed while no instance ran it; ';
  const nextTick = tickIds('hourly', ['2030-01-02T11:00:00Z']);

  it('skip: starts none of them', async () => {
    const { afterBoot, afterNextTick } = await afterADayDown('skip');
    expect(afterBoot).toEqual(before);
    expect(afterNextTick).toEqual([...before, ...nextTick]);
    // The log says which ticks were missed and that the policy started none of them.
    expect(
      harness.logger.has(MISSED_SPAN + 'none of them started (missed: "skip")'),
    ).toBe(true);
  });

  it('latest: starts the latest missed tick only', async () => {
    const { afterBoot, afterNextTick } = await afterADayDown('latest');
    const latest = tickIds('hourly', ['2030-01-02T10:00:00Z']);
    expect(afterBoot).toEqual([...before, ...latest]);
    expect(afterNextTick).toEqual([...before, ...latest, ...nextTick]);
    expect(
      harness.logger.has(MISSED_SPAN + '1 of them started (missed: "latest")'),
    ).toBe(true);
  });

  it('all: starts the latest maxMissed of them, oldest first', async () => {
    const { afterBoot } = await afterADayDown('all', 5);
    expect(afterBoot).toEqual([
      ...before,
      ...tickIds('hourly', [
        '2030-01-02T06:00:00Z',
        '2030-01-02T07:00:00Z',
        '2030-01-02T08:00:00Z',
        '2030-01-02T09:00:00Z',
        '2030-01-02T10:00:00Z',
      ]),
    ]);
  });

  it('all, within the bound: starts every missed tick, each once', async () => {
    const { afterBoot, afterNextTick } = await afterADayDown('all');
    // 11:00 on the first day through 10:00 on the next (due 30 minutes before the boot): 24.
    expect(afterBoot).toHaveLength(1 + 24);
    expect(new Set(afterBoot).size).toBe(afterBoot.length);
    expect(afterNextTick).toHaveLength(1 + 24 + 1);
    for (const engine of harness.engines.slice(1)) {
      const done = await engine.counts({ name: 'job' });
      expect(done.finished).toBe(26);
    }
  });
});
