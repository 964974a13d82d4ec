import { sqliteStoreFactory } from '../support/store-factories';
import { lidexWith, listen } from './fixtures/dashboard.fixture';

const sqlite = sqliteStoreFactory();
afterAll(() => sqlite.cleanup());

/** A schedule as the API sends it: dates are ISO strings. */
interface ScheduleJson {
  id: string;
  workflow: string;
  cron?: string;
  timezone?: string;
  every?: number;
  paused: boolean;
  nextFireAt?: string;
  lastTickAt: string;
}

describe('dashboard JSON API: schedules', () => {
  it('lists the schedules with their timing, paused state and next fire time', async () => {
    const { client, get } = await listen(lidexWith(await sqlite.create(), {}));
    await client.schedules.create('nightly-greeting', {
      workflow: 'greet',
      input: { name: 'Ada' },
      cron: '0 3 * * *',
      timezone: 'Europe/Berlin',
    });
    await client.schedules.create('hourly-charge', {
      workflow: 'charge',
      input: 5,
      every: 60 * 60 * 1000,
    });
    await client.schedules.pause('hourly-charge');

    const answer = await get('/lidex/api/schedules');
    expect(answer.status).toBe(200);
    const { schedules } = (await answer.json()) as {
      schedules: ScheduleJson[];
    };
    expect(schedules.map((s) => s.id)).toEqual([
      'hourly-charge',
      'nightly-greeting',
    ]);
    const [hourly, nightly] = schedules;
    expect(hourly).toMatchObject({
      workflow: 'charge',
      every: 3_600_000,
      paused: true,
    });
    expect(hourly.nextFireAt).toBeUndefined();
    expect(nightly).toMatchObject({
      workflow: 'greet',
      cron: '0 3 * * *',
      timezone: 'Europe/Berlin',
      paused: false,
    });
    const next = Date.parse(nightly.nextFireAt!);
    expect(next).toBeGreaterThan(Date.now());
    expect(next - Date.now()).toBeLessThanOrEqual(25 * 60 * 60 * 1000);
  });
});
