import { messages } from '../../lib/lidex.messages';
import { eventually } from '../support/eventually';
import { sqliteStoreFactory } from '../support/store-factories';
import {
  lidexWith,
  listen,
  Provider,
  type RunningApp,
} from './fixtures/dashboard.fixture';

const api = '/lidex/api';
const sqlite = sqliteStoreFactory();
let running: RunningApp;

/** A workflow as the API sends it: dates are ISO strings. */
interface WorkflowJson {
  id: string;
  status: string;
  error?: { name: string; message: string; stack?: string };
  steps: {
    id: string;
    startedAt?: string;
    recordedAt: string;
    wakeAt?: string;
    durationMs?: number;
  }[];
}

interface PageJson {
  workflows: WorkflowJson[];
  nextCursor?: string;
}

async function json<T = { message?: string }>(
  response: Response | Promise<Response>,
) {
  const answer = await response;
  return { status: answer.status, body: (await answer.json()) as T };
}

beforeEach(async () => {
  running = await listen(lidexWith(await sqlite.create(), {}));
});
afterAll(() => sqlite.cleanup());

describe('dashboard JSON API (Express, SQLite)', () => {
  it('counts workflows by status, for all names or one', async () => {
    const { client, get } = running;
    running.app.get(Provider).down = true;
    await client.start('greet-1', 'greet', { name: 'Ada' });
    await client.start('greet-2', 'greet', { name: 'Bob' });
    await client.start('charge-1', 'charge', 10);
    await client.start('wait-1', 'wait-a-day', null);
    await client.wait('greet-1');
    await client.wait('greet-2');
    await client.wait('charge-1');

    expect(await json(get(`${api}/counts`))).toEqual({
      status: 200,
      body: {
        idle: 0,
        running: 1,
        failed: 0,
        finished: 2,
        aborted: 1,
        cancelled: 0,
        compensating: 0,
      },
    });
    const greetOnly = await json(get(`${api}/counts?name=greet`));
    expect(greetOnly.body).toMatchObject({ finished: 2, aborted: 0 });
    expect(await json(get(`${api}/names`))).toEqual({
      status: 200,
      body: { names: ['await-approval', 'charge', 'greet', 'wait-a-day'] },
    });
  });

  it('shows the priority and concurrency key of each workflow in the list and its detail', async () => {
    const { client, get } = running;
    await client.start(
      'vip-1',
      'greet',
      { name: 'vip' },
      {
        priority: 5,
        concurrencyKey: 'customer-9',
      },
    );
    await client.wait('vip-1');
    const page = await json<{
      workflows: { id: string; priority?: number; concurrencyKey?: string }[];
    }>(get(`${api}/workflows`));
    expect(page.body.workflows.find((w) => w.id === 'vip-1')).toMatchObject({
      priority: 5,
      concurrencyKey: 'customer-9',
    });
    const detail = await json(get(`${api}/workflows/vip-1`));
    expect(detail.body).toMatchObject({
      priority: 5,
      concurrencyKey: 'customer-9',
    });
  });

  it('lists newest first, filters by status and name, and pages with a cursor', async () => {
    const { client, get } = running;
    for (const id of ['greet-1', 'greet-2', 'greet-3']) {
      await client.start(id, 'greet', { name: id });
      await client.wait(id);
    }
    await client.start('charge-1', 'charge', 10);
    await client.wait('charge-1');

    const first = await json<PageJson>(
      get(`${api}/workflows?status=finished&limit=2`),
    );
    expect(first.status).toBe(200);
    expect(first.body.workflows.map((w) => w.id)).toEqual([
      'charge-1',
      'greet-3',
    ]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const cursor = encodeURIComponent(first.body.nextCursor ?? '');
    const second = await json<PageJson>(
      get(`${api}/workflows?status=finished&limit=2&cursor=${cursor}`),
    );
    expect(second.body.workflows.map((w) => w.id)).toEqual([
      'greet-2',
      'greet-1',
    ]);
    expect(second.body.nextCursor).toBeUndefined();

    const charges = await json<PageJson>(get(`${api}/workflows?name=charge`));
    expect(charges.body.workflows).toEqual([
      expect.objectContaining({
        id: 'charge-1',
        name: 'charge',
        status: 'finished',
        attempts: 1,
        failures: 0,
      }),
    ]);
    const empty = await json(get(`${api}/workflows?status=aborted&name=`));
    expect(empty.body).toEqual({ workflows: [] });
  });

  it("shows a workflow's input, result, error and the timing of each step and sleep", async () => {
    const { client, get } = running;
    await client.start('greet-1', 'greet', { name: 'Ada' });
    await client.wait('greet-1');
    const { status, body } = await json<WorkflowJson>(
      get(`${api}/workflows/greet-1`),
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: 'greet-1',
      name: 'greet',
      status: 'finished',
      input: { name: 'Ada' },
      result: 'Hello, Ada!',
      attempts: 1,
      failures: 0,
    });
    const [compose, pause] = body.steps;
    expect(compose).toMatchObject({
      kind: 'step',
      id: 'compose',
      result: 'Hello, Ada!',
    });
    expect(Date.parse(compose.startedAt ?? '')).toBeLessThanOrEqual(
      Date.parse(compose.recordedAt),
    );
    expect(compose.durationMs).toEqual(expect.any(Number));
    expect(pause).toMatchObject({ kind: 'sleep', id: 'pause', durationMs: 1 });
    expect(Date.parse(pause.wakeAt ?? '')).not.toBeNaN();

    running.app.get(Provider).down = true;
    await client.start('charge-1', 'charge', 10);
    await client.wait('charge-1');
    const aborted = await json<WorkflowJson>(get(`${api}/workflows/charge-1`));
    expect(aborted.body).toMatchObject({
      status: 'aborted',
      failures: 2,
      attempts: 2,
      error: { name: 'Error', message: 'payment provider is down' },
    });
    expect(aborted.body.error?.stack).toContain('payment provider is down');
  });

  it('shows the deadline of a workflow, and "deadline exceeded" once it passed', async () => {
    const { client, get } = running;
    await client.start('wait-1', 'wait-a-day', null, { timeoutMs: 300 });
    expect(await client.wait('wait-1', { timeoutMs: 10_000 })).toBe(
      'cancelled',
    );
    const { body } = await json<WorkflowJson & { deadlineAt?: string }>(
      get(`${api}/workflows/wait-1`),
    );
    expect(body).toMatchObject({
      status: 'cancelled',
      error: { name: 'DeadlineExceededError' },
    });
    expect(body.error?.message).toMatch(/^deadline exceeded/);
    expect(Date.parse(body.deadlineAt ?? '')).not.toBeNaN();
  });

  it('cancels a waiting workflow and retries an aborted one until it finishes', async () => {
    const { app, client, get, post } = running;
    app.get(Provider).down = true;
    await client.start('charge-1', 'charge', 10);
    await client.start('wait-1', 'wait-a-day', null);
    expect(await client.wait('charge-1')).toBe('aborted');
    await eventually(async () => (await client.status('wait-1')) === 'running');

    expect(await json(post(`${api}/workflows/wait-1/cancel`))).toEqual({
      status: 200,
      body: { cancelled: true },
    });
    expect(await client.status('wait-1')).toBe('cancelled');

    app.get(Provider).down = false;
    expect(await json(post(`${api}/workflows/charge-1/retry`))).toEqual({
      status: 200,
      body: { retried: true },
    });
    expect(await client.wait('charge-1')).toBe('finished');
    const retried = await json<WorkflowJson>(get(`${api}/workflows/charge-1`));
    expect(retried.body).toMatchObject({
      result: 'captured 10',
      failures: 0,
    });
    // The reservation recorded before the outage was not made again.
    expect(retried.body.steps.map((s) => s.id)).toEqual(['reserve', 'capture']);

    // Nothing to do for a workflow that already ended.
    expect((await json(post(`${api}/workflows/charge-1/retry`))).body).toEqual({
      retried: false,
    });
    expect((await json(post(`${api}/workflows/charge-1/cancel`))).body).toEqual(
      { cancelled: false },
    );
    const counts = await json(get(`${api}/counts`));
    expect(counts.body).toMatchObject({ finished: 1, cancelled: 1 });
  });

  it('terminates a running workflow and deletes an ended one, behind the request header', async () => {
    const { client, post } = running;
    await client.start('wait-t', 'wait-a-day', null);
    await eventually(async () => (await client.status('wait-t')) === 'running');
    expect((await json(post(`${api}/workflows/wait-t/delete`))).status).toBe(
      409,
    );
    expect(
      (await json(post(`${api}/workflows/wait-t/terminate`, {}))).status,
    ).toBe(403);
    expect(await client.status('wait-t')).toBe('running');
    expect(await json(post(`${api}/workflows/wait-t/terminate`))).toEqual({
      status: 200,
      body: { terminated: true },
    });
    expect(await client.status('wait-t')).toBe('cancelled');
    expect(
      (await json(post(`${api}/workflows/wait-t/delete`, {}))).status,
    ).toBe(403);
    expect(await json(post(`${api}/workflow/delete?id=wait-t`))).toEqual({
      status: 200,
      body: { deleted: true },
    });
    expect(await client.status('wait-t')).toBeUndefined();
    expect((await post(`${api}/workflows/wait-t/delete`)).status).toBe(404);
  });

  it('refuses to cancel or retry without the dashboard request header', async () => {
    const { client, post } = running;
    await client.start('wait-1', 'wait-a-day', null);
    const refused = await json(post(`${api}/workflows/wait-1/cancel`, {}));
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe(
      messages.dashboardHeaderMissing('x-lidex-dashboard'),
    );
    expect(await client.status('wait-1')).not.toBe('cancelled');
  });

  it('shows the version each workflow started on, and filters by it', async () => {
    const { client, get } = running;
    await client.start('greet-1', 'greet', { name: 'Ada' });
    await client.wait('greet-1');
    // Started for version 2 of `greet`, which this app (version 1) leaves alone.
    await client.start('greet-2', 'greet', { name: 'Bob' }, { version: 2 });

    const all = await json<PageJson>(get(`${api}/workflows`));
    expect(
      all.body.workflows.map((w) => [
        w.id,
        (w as { version?: number }).version,
      ]),
    ).toEqual([
      ['greet-2', 2],
      ['greet-1', 1],
    ]);
    const second = await json<PageJson>(get(`${api}/workflows?version=2`));
    expect(second.body.workflows.map((w) => [w.id, w.status])).toEqual([
      ['greet-2', 'idle'],
    ]);
    const detail = await json<{ version: number }>(
      get(`${api}/workflows/greet-1`),
    );
    expect(detail.body.version).toBe(1);
    for (const query of ['version=two', 'version=-1', 'version=1.5']) {
      const bad = await json(get(`${api}/workflows?${query}`));
      expect({ query, status: bad.status }).toEqual({ query, status: 400 });
    }
  });

  it('filters by priority and concurrency key, and answers 400 naming a bad one', async () => {
    const { client, get } = running;
    await client.start('wait-p', 'wait-a-day', null, { priority: 3 });
    await client.start('wait-k', 'wait-a-day', null, { concurrencyKey: 'k' });
    await client.start('wait-0', 'wait-a-day', null);
    const ids = async (query: string) =>
      (await json<PageJson>(get(`${api}/workflows?${query}`))).body.workflows
        .map((w) => w.id)
        .sort();
    expect(await ids('priority=3')).toEqual(['wait-p']);
    expect(await ids('priority=0')).toEqual(['wait-0', 'wait-k']);
    expect(await ids('concurrencyKey=k')).toEqual(['wait-k']);
    const bad = await json(get(`${api}/workflows?priority=high`));
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe(
      messages.invalidListOption(
        'priority',
        'high',
        'an integer between -1000000 and 1000000',
      ),
    );
    const long = await json(
      get(`${api}/workflows?concurrencyKey=${'k'.repeat(257)}`),
    );
    expect(long.status).toBe(400);
  });

  it('answers 404 for an unknown id and 400 for a bad filter, limit or cursor', async () => {
    const { get, post } = running;
    const missing = await json(get(`${api}/workflows/nope`));
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe(messages.workflowNotFound('nope'));
    expect((await post(`${api}/workflows/nope/cancel`)).status).toBe(404);
    expect((await post(`${api}/workflows/nope/retry`)).status).toBe(404);

    for (const query of [
      'status=done',
      'limit=0',
      'limit=501',
      'limit=ten',
      'cursor=not-a-cursor',
      'status=idle&status=running',
    ]) {
      const bad = await json(get(`${api}/workflows?${query}`));
      expect({ query, status: bad.status }).toEqual({ query, status: 400 });
      expect(bad.body.message).toEqual(expect.any(String));
    }
  });

  it('treats ids as data: slashes, query characters, quotes, unicode and markup', async () => {
    const { client, get, post } = running;
    const id = `a/b?c=d#e f"g'h ünï <script>x</script>`;
    await client.start(id, 'wait-a-day', '<img src=x onerror=alert(1)>');
    const path = `${api}/workflows/${encodeURIComponent(id)}`;
    const detail = await json(get(path));
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      id,
      input: '<img src=x onerror=alert(1)>',
    });
    expect((await json(post(`${path}/cancel`))).body).toEqual({
      cancelled: true,
    });
    expect(await client.status(id)).toBe('cancelled');
  });

  it('opens, cancels and retries ids that URL normalisation would remove, by query parameter', async () => {
    const { client, get, post } = running;
    for (const id of ['.', '..', 'wait-1'])
      await client.start(id, 'wait-a-day', { id });
    // A browser resolves api/workflows/. to api/workflows/: the list, not the workflow ".".
    expect(new URL(`${running.url}${api}/workflows/.`).pathname).toBe(
      `${api}/workflows/`,
    );
    for (const id of ['.', '..', 'wait-1']) {
      const query = `id=${encodeURIComponent(id)}`;
      const detail = await json<WorkflowJson & { input: unknown }>(
        get(`${api}/workflow?${query}`),
      );
      expect({ status: detail.status, id: detail.body.id }).toEqual({
        status: 200,
        id,
      });
      expect(detail.body.input).toEqual({ id });
      expect(
        (await json(post(`${api}/workflow/cancel?${query}`))).body,
      ).toEqual({ cancelled: true });
      expect(await client.status(id)).toBe('cancelled');
      expect((await json(post(`${api}/workflow/retry?${query}`))).body).toEqual(
        { retried: true },
      );
    }
    const missing = await json(get(`${api}/workflow?id=nope`));
    expect(missing).toEqual({
      status: 404,
      body: expect.objectContaining({
        message: messages.workflowNotFound('nope'),
      }),
    });
    const noId = await json(get(`${api}/workflow`));
    expect(noId.status).toBe(400);
    expect(noId.body.message).toBe(messages.dashboardIdMissing());
    expect((await post(`${api}/workflow/cancel?id=.`, {})).status).toBe(403);
  });
});
