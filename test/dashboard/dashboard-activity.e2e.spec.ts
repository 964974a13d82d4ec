import type { Activity } from '../../lib/engine/engine-activity';
import {
  describeEachMongo,
  dropTestDatabases,
  mongoStoreFactory,
} from '../support/mongo';
import { describeMysql, mysqlStoreFactory } from '../support/mysql';
import { describePostgres, postgresStoreFactory } from '../support/postgres';
import type { StoreFactory } from '../support/store-factories';
import { lidexWith, listen, Provider } from './fixtures/dashboard.fixture';

/**
 * The charts' data (`GET /lidex/api/activity`, the last hour per minute) from a store other than
 * memory and SQLite: two greetings finished (a step each), one charge aborted.
 */
function chartsFrom(factory: StoreFactory): void {
  it(`answers the last hour from ${factory.label}: throughput, backlog and step latency`, async () => {
    const running = await listen(lidexWith(await factory.create(), {}));
    const { client, get } = running;
    running.app.get(Provider).down = true;
    await client.start('greet-1', 'greet', { name: 'Ada' });
    await client.start('greet-2', 'greet', { name: 'Bob' });
    await client.start('charge-1', 'charge', 10);
    await client.start('wait-1', 'wait-a-day', null);
    for (const id of ['greet-1', 'greet-2', 'charge-1'])
      await client.wait(id).catch(() => undefined);

    const answer = await get('/lidex/api/activity');
    expect(answer.status).toBe(200);
    const activity = (await answer.json()) as Activity;
    const sum = (key: 'created' | 'finished' | 'ended' | 'steps') =>
      activity.minutes.reduce((total, minute) => total + minute[key], 0);
    expect({
      supported: activity.supported,
      minutes: activity.minutes.length,
      created: sum('created'),
      finished: sum('finished'),
      ended: sum('ended'),
    }).toEqual({
      supported: true,
      minutes: 60,
      created: 4,
      finished: 2,
      ended: 3,
    });
    expect(sum('steps')).toBeGreaterThanOrEqual(3);
    // The waiting workflow is the backlog at the end of the hour.
    expect(activity.minutes[59].backlog).toBe(1);
  });
}

describePostgres('dashboard charts on PostgreSQL', () => {
  const factory = postgresStoreFactory();
  afterAll(() => factory.cleanup?.());
  chartsFrom(factory);
});

describeMysql('dashboard charts on MySQL', () => {
  const factory = mysqlStoreFactory();
  afterAll(() => factory.cleanup?.());
  chartsFrom(factory);
});

describeEachMongo('dashboard charts on MongoDB ($label)', (server) => {
  chartsFrom(mongoStoreFactory(server));
  afterAll(dropTestDatabases);
});
