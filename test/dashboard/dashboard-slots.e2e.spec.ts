import { Exports, ExportsModule } from './fixtures/exports.fixture';
import { eventually } from '../support/eventually';
import { sqliteStoreFactory } from '../support/store-factories';
import {
  lidexWith,
  listen,
  type RunningApp,
} from './fixtures/dashboard.fixture';

const sqlite = sqliteStoreFactory();
let running: RunningApp | undefined;
afterEach(async () => {
  running?.app.get(Exports).letGo();
});
afterAll(() => sqlite.cleanup());

describe('dashboard slots in use (SQLite)', () => {
  it('shows each limited workflow with its limits and the slots its keys use', async () => {
    running = await listen([
      ...lidexWith(await sqlite.create(), {}),
      ExportsModule,
    ]);
    const { client, get } = running;
    const exports = running.app.get(Exports);
    for (const [id, key] of [
      ['x1', 'acme'],
      ['x2', 'acme'],
      ['x3', 'acme'],
      ['x4', 'globex'],
    ])
      await client.start(id, 'export', null, { concurrencyKey: key });
    await eventually(() => exports.running === 3, 10_000, '3 exports running');
    const answer = await get('/lidex/api/slots');
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({
      supported: true,
      workflows: [
        {
          name: 'export',
          concurrency: 3,
          perKey: 2,
          rateLimit: { max: 100, perKey: 50, perMs: 1000 },
          used: 3,
          keys: [
            { key: 'acme', used: 2 },
            { key: 'globex', used: 1 },
          ],
        },
      ],
    });
    exports.letGo();
    await eventually(
      async () => (await client.counts({ name: 'export' })).finished === 3,
      10_000,
      'three exports to finish',
    );
    await eventually(() => exports.running === 1, 10_000, 'x3 to run');
    exports.letGo();
    await client.wait('x3');
    const after = (await (await get('/lidex/api/slots')).json()) as {
      workflows: { used: number; keys: unknown[] }[];
    };
    expect(after.workflows[0]).toMatchObject({ used: 0, keys: [] });
  });
});
