import { messages } from '../../lib/lidex.messages';
import { eventually } from '../support/eventually';
import { sqliteStoreFactory } from '../support/store-factories';
import {
  lidexWith,
  listen,
  type RunningApp,
} from './fixtures/dashboard.fixture';

const api = '/lidex/api';
const sqlite = sqliteStoreFactory();
const DASHBOARD = { 'x-lidex-dashboard': '1' };
let running: RunningApp;

interface WorkflowJson {
  id: string;
  status: string;
  result?: unknown;
  waitingFor?: { kind: string; name?: string; until?: string };
  signals: {
    seq: number;
    name: string;
    payload: unknown;
    signalId: string;
    sentAt: string;
    consumedBy?: string;
  }[];
  steps: { kind: string; id: string; result?: unknown }[];
}

async function json<T = { message?: string }>(
  response: Response | Promise<Response>,
) {
  const answer = await response;
  return { status: answer.status, body: (await answer.json()) as T };
}

const detail = (id: string) =>
  json<WorkflowJson>(
    running.get(`${api}/workflow?id=${encodeURIComponent(id)}`),
  );

/** Starts `await-approval` workflows and waits until each waits for its signal. */
async function waitingForApproval(...ids: string[]): Promise<void> {
  for (const id of ids) await running.client.start(id, 'await-approval', null);
  for (const id of ids)
    await eventually(
      async () => (await detail(id)).body.waitingFor !== undefined,
      10_000,
      `${id} to wait for its signal`,
    );
}

beforeEach(async () => {
  running = await listen(lidexWith(await sqlite.create(), {}));
});
afterAll(() => sqlite.cleanup());

describe('dashboard: signals (Express, SQLite)', () => {
  it('shows what a workflow waits for, lists the waiting ones, and sends it a signal', async () => {
    const { client, get, post } = running;
    await client.start('greet-1', 'greet', { name: 'Ada' });
    await client.wait('greet-1');
    const before = Date.now();
    await waitingForApproval('approve-1', 'approve-2');

    const waiting = await detail('approve-1');
    expect(waiting.body).toMatchObject({
      status: 'running',
      waitingFor: { kind: 'signal', name: 'approved' },
      signals: [],
    });
    const until = Date.parse(waiting.body.waitingFor?.until ?? '');
    expect(until).toBeGreaterThanOrEqual(before + 24 * 60 * 60 * 1000 - 1000);

    const listed = await json<{ workflows: WorkflowJson[] }>(
      get(`${api}/workflows?waiting=signal`),
    );
    expect(listed.body.workflows.map((w) => w.id).sort()).toEqual([
      'approve-1',
      'approve-2',
    ]);
    expect(listed.body.workflows[0].waitingFor).toMatchObject({
      kind: 'signal',
      name: 'approved',
    });
    expect((await json(get(`${api}/workflows?waiting=child`))).body).toEqual({
      workflows: [],
    });
    expect((await get(`${api}/workflows?waiting=soon`)).status).toBe(400);

    const sent = await json(
      post(`${api}/workflow/signal?id=approve-1`, DASHBOARD, {
        name: 'approved',
        payload: '{ "by": "ops", "note": "<b>ok</b>" }',
      }),
    );
    expect(sent).toEqual({ status: 200, body: { delivered: true } });
    expect(await client.wait('approve-1', { timeoutMs: 10_000 })).toBe(
      'finished',
    );
    const done = await detail('approve-1');
    expect(done.body.result).toEqual({ by: 'ops', note: '<b>ok</b>' });
    expect(done.body.waitingFor).toBeUndefined();
    expect(done.body.signals).toEqual([
      {
        seq: 1,
        name: 'approved',
        payload: { by: 'ops', note: '<b>ok</b>' },
        signalId: expect.any(String),
        sentAt: expect.any(String),
        consumedBy: 'approval',
      },
    ]);
    expect(Date.parse(done.body.signals[0].sentAt)).toBeGreaterThanOrEqual(
      before,
    );
    // The path form, with no payload: null. The workflow ended, so it is not delivered.
    expect(
      await json(
        post(`${api}/workflows/approve-1/signal`, DASHBOARD, {
          name: 'approved',
        }),
      ),
    ).toEqual({ status: 200, body: { delivered: false } });
    expect((await detail('approve-1')).body.signals).toHaveLength(1);

    expect(
      await json(
        post(`${api}/workflows/approve-2/signal`, DASHBOARD, {
          name: 'approved',
          payload: '',
        }),
      ),
    ).toEqual({ status: 200, body: { delivered: true } });
    await client.wait('approve-2', { timeoutMs: 10_000 });
    expect((await detail('approve-2')).body.result).toBeNull();
  });

  it('refuses a bad name, a payload that is not JSON, and a request without the header', async () => {
    const { client, post } = running;
    await waitingForApproval('approve-1');
    const send = (body: unknown, headers = DASHBOARD) =>
      json(post(`${api}/workflow/signal?id=approve-1`, headers, body));

    const notJson = await send({ name: 'approved', payload: '{ by: ops }' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.message).toMatch(
      new RegExp(
        `^${escape(messages.dashboardSignalPayloadNotJson('').slice(0, 40))}`,
      ),
    );
    for (const name of ['', 'lidex:child:x', 42, undefined]) {
      const bad = await send({ name, payload: 'true' });
      expect({ name, status: bad.status, message: bad.body.message }).toEqual({
        name,
        status: 400,
        message: messages.signalNameInvalid(
          'A signal from the dashboard',
          name,
        ),
      });
    }
    for (const body of [{ name: 'approved', payload: { by: 'ops' } }, [1]]) {
      const bad = await send(body);
      expect({ body, status: bad.status, message: bad.body.message }).toEqual({
        body,
        status: 400,
        message: messages.dashboardSignalBody(),
      });
    }
    const noHeader = await send({ name: 'approved' }, {} as typeof DASHBOARD);
    expect(noHeader.status).toBe(403);
    expect(noHeader.body.message).toBe(
      messages.dashboardHeaderMissing('x-lidex-dashboard'),
    );
    const missing = await json(
      post(`${api}/workflow/signal?id=nope`, DASHBOARD, { name: 'approved' }),
    );
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe(messages.workflowNotFound('nope'));

    // None of these reached the workflow.
    expect((await detail('approve-1')).body.signals).toEqual([]);
    expect(await client.status('approve-1')).toBe('running');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
