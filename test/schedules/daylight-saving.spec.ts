import { ManualClock } from '@lidex/nestjs/testing';
import { DAY, ScheduleHarness } from './schedule-harness';

/** The local date and time in Berlin of a tick workflow's id (`daily@<ISO>`). */
const berlin = (id: string): string =>
  new Date(id.slice(id.indexOf('@') + 1)).toLocaleString('sv-SE', {
    timeZone: 'Europe/Berlin',
  });

/**
 * A 02:30 daily cron in Europe/Berlin across the changes of 2026 (29 March: 02:00 to 03:00;
 * 25 October: 03:00 back to 02:00), on the manual clock: one run a day, never two, none skipped.
 * On the spring day 02:30 does not exist and croner documents that it runs at the first valid
 * time after the gap (03:00); in autumn 02:30 occurs twice and croner runs it at the first.
 */
describe('a 02:30 daily cron in Europe/Berlin across daylight-saving changes', () => {
  let harness: ScheduleHarness;
  afterEach(() => harness.closeAll());

  it.each([
    ['March', '2026-03-26T12:00:00Z', '2026-03-29 03:00:00'],
    ['October', '2026-10-22T12:00:00Z', '2026-10-25 02:30:00'],
  ])('fires once a day across the %s change', async (_, from, onChangeDay) => {
    harness = new ScheduleHarness(new ManualClock(new Date(from)));
    const engine = harness.boot();
    await engine.schedules.create('daily', {
      workflow: 'job',
      cron: '30 2 * * *',
      timezone: 'Europe/Berlin',
    });
    for (let day = 0; day < 6; day++) await harness.clock.advance(DAY);

    const runs = (await harness.startedIds()).map(berlin);
    const days = runs.map((local) => local.slice(0, 10));
    expect(days).toHaveLength(6);
    expect(new Set(days).size).toBe(6); // one a day, never two
    expect(runs).toContain(onChangeDay);
    const others = runs.filter((local) => local !== onChangeDay);
    expect(others.every((local) => local.endsWith(' 02:30:00'))).toBe(true);
    // The day before and after the change are both there: nothing skipped.
    const changeDay = new Date(onChangeDay.slice(0, 10)).getTime();
    for (const near of [changeDay - DAY, changeDay + DAY]) {
      expect(days).toContain(new Date(near).toISOString().slice(0, 10));
    }
  });
});
