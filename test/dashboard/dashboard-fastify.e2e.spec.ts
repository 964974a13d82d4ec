import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { messages } from '../../lib/lidex.messages';
import { eventually } from '../support/eventually';
import { ApiKeyGuard, type RunningApp } from './fixtures/dashboard.fixture';
import {
  expected,
  fastifyDashboardApps,
  securityHeaders,
} from './fixtures/fastify.fixture';

// The module, the client and the dashboard on Nest's Fastify adapter, over real HTTP: what the
// Express specs of this folder check, once each.

const { boot } = fastifyDashboardApps();

const EVIL = 'http://evil.example';
const fromEvil = (extra: Record<string, string> = {}) => ({
  origin: EVIL,
  'sec-fetch-site': 'cross-site',
  ...extra,
});
const HEADER_MISSING = messages.dashboardHeaderMissing('x-lidex-dashboard');

async function json<T = { message?: string }>(answer: Promise<Response>) {
  const response = await answer;
  return { status: response.status, body: (await response.json()) as T };
}

async function waiting(running: RunningApp, id: string): Promise<void> {
  await running.client.start(id, 'wait-a-day', null);
  await eventually(async () => (await running.client.status(id)) === 'running');
}

describe('dashboard on Fastify (SQLite)', () => {
  it('serves the page, its scripts and its style with their content types and security headers', async () => {
    const running = await boot({});
    const cases: [string, string][] = [
      ['/lidex', 'text/html; charset=utf-8'],
      ['/lidex/', 'text/html; charset=utf-8'],
      ['/lidex/app.js', 'text/javascript; charset=utf-8'],
      ['/lidex/charts.js', 'text/javascript; charset=utf-8'],
      ['/lidex/app.css', 'text/css; charset=utf-8'],
      ['/lidex/api/counts', 'application/json; charset=utf-8'],
    ];
    for (const [path, type] of cases) {
      const answer = await running.get(path);
      expect({
        path,
        status: answer.status,
        type: answer.headers.get('content-type'),
      }).toEqual({ path, status: 200, type });
      expect(securityHeaders(path, answer)).toEqual(expected(path));
    }
    expect(await (await running.get('/lidex')).text()).toContain(
      'src="lidex/app.js"',
    );
    expect(await (await running.get('/lidex/')).text()).toContain(
      'src="app.js"',
    );
    for (const [what, path, status] of [
      ['unknown subroute', '/lidex/nope', 404],
      ['malformed URL', '/lidex/api/workflows/%E0%A4%A', 400],
      ['unknown id', '/lidex/api/workflows/nope', 404],
    ] as const) {
      const answer = await running.get(path);
      expect({ what, status: answer.status }).toEqual({ what, status });
      expect(securityHeaders(what, answer)).toEqual(expected(what));
    }
    expect(
      (await running.get('/elsewhere')).headers.get('x-frame-options'),
    ).toBeNull();
  });

  it('answers the JSON API: list, get, counts, names', async () => {
    const running = await boot({});
    await running.client.start('greet-1', 'greet', { name: 'Ada' });
    await running.client.wait('greet-1');
    await waiting(running, 'wait-1');
    const list = await json<{ workflows: { id: string; status: string }[] }>(
      running.get('/lidex/api/workflows?status=finished'),
    );
    expect(list).toEqual({
      status: 200,
      body: {
        workflows: [
          expect.objectContaining({ id: 'greet-1', status: 'finished' }),
        ],
      },
    });
    for (const path of [
      '/lidex/api/workflows/greet-1',
      '/lidex/api/workflow?id=greet-1',
    ])
      expect(await json(running.get(path))).toMatchObject({
        status: 200,
        body: { id: 'greet-1', status: 'finished', result: 'Hello, Ada!' },
      });
    expect(
      await json(running.get('/lidex/api/counts?name=greet')),
    ).toMatchObject({
      status: 200,
      body: { finished: 1, running: 0 },
    });
    expect((await json(running.get('/lidex/api/names'))).body).toEqual({
      names: ['await-approval', 'charge', 'greet', 'wait-a-day'],
    });
    expect(
      await json(running.get('/lidex/api/workflows?limit=x')),
    ).toMatchObject({ status: 400 });
    expect(await json(running.get('/lidex/api/workflow'))).toEqual({
      status: 400,
      body: expect.objectContaining({ message: messages.dashboardIdMissing() }),
    });
  });

  it('cancels, retries and signals with the header, and refuses each without it', async () => {
    const running = await boot({});
    await waiting(running, 'wait-1');
    await running.client.start('approve-1', 'await-approval', null);
    await eventually(
      async () => (await running.client.status('approve-1')) === 'running',
    );
    const bare = {};
    for (const path of [
      '/lidex/api/workflows/wait-1/cancel',
      '/lidex/api/workflow/retry?id=wait-1',
      '/lidex/api/workflow/signal?id=approve-1',
    ])
      expect({
        path,
        ...(await json(running.post(path, bare, { name: 'approved' }))),
      }).toEqual({
        path,
        status: 403,
        body: expect.objectContaining({ message: HEADER_MISSING }),
      });
    expect(await running.client.status('wait-1')).toBe('running');

    expect(
      await json(running.post('/lidex/api/workflows/wait-1/cancel')),
    ).toEqual({
      status: 200,
      body: { cancelled: true },
    });
    expect(
      await json(running.post('/lidex/api/workflow/retry?id=wait-1')),
    ).toEqual({
      status: 200,
      body: { retried: true },
    });
    const header = { 'x-lidex-dashboard': '1' };
    expect(
      await json(
        running.post('/lidex/api/workflow/signal?id=approve-1', header, {
          name: 'approved',
          payload: '{"by":"ops"}',
        }),
      ),
    ).toEqual({ status: 200, body: { delivered: true } });
    expect(await running.client.wait('approve-1')).toBe('finished');
    expect(await running.client.result('approve-1')).toEqual({ by: 'ops' });
    expect(
      await json(
        running.post('/lidex/api/workflows/wait-1/signal', header, {
          name: '',
        }),
      ),
    ).toMatchObject({ status: 400 });
  });

  it('refuses cross-site requests and preflights under app.enableCors(), and serves same-origin', async () => {
    const running = await boot({}, (app) =>
      app.enableCors({ origin: true, credentials: true }),
    );
    await waiting(running, 'wait-1');
    const granted = (response: Response) =>
      response.headers.get('access-control-allow-origin') !== null;
    // The premise: the rest of the app grants the other site.
    expect(
      granted(await running.get('/elsewhere', { headers: fromEvil() })),
    ).toBe(true);

    const preflight = await running.get('/lidex/api/workflows/wait-1/cancel', {
      method: 'OPTIONS',
      headers: fromEvil({
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-lidex-dashboard',
      }),
    });
    expect({ status: preflight.status, granted: granted(preflight) }).toEqual({
      status: 403,
      granted: false,
    });
    const cancel = await running.post(
      '/lidex/api/workflows/wait-1/cancel',
      fromEvil({ 'x-lidex-dashboard': '1' }),
    );
    expect({ status: cancel.status, granted: granted(cancel) }).toEqual({
      status: 403,
      granted: false,
    });
    expect(((await cancel.json()) as { message: string }).message).toBe(
      messages.dashboardCrossSite(),
    );
    for (const headers of <Record<string, string>[]>[
      { origin: EVIL },
      { 'sec-fetch-site': 'same-site' },
    ]) {
      const read = await running.get('/lidex/api/workflows', { headers });
      expect({ headers, status: read.status }).toEqual({
        headers,
        status: 403,
      });
    }
    expect(await running.client.status('wait-1')).toBe('running');

    // A link from another site opens the page; the page's own requests work.
    const navigation = await running.get('/lidex', {
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' },
    });
    expect(navigation.status).toBe(200);
    const sameOrigin = { origin: running.url, 'sec-fetch-site': 'same-origin' };
    expect(
      await json(
        running.post('/lidex/api/workflows/wait-1/cancel', {
          ...sameOrigin,
          'x-lidex-dashboard': '1',
        }),
      ),
    ).toEqual({ status: 200, body: { cancelled: true } });
  });

  it('refuses cross-site requests also when Fastify is asked without its server (inject)', async () => {
    const running = await boot({});
    const fastify = (running.app as NestFastifyApplication)
      .getHttpAdapter()
      .getInstance();
    const refused = await fastify.inject({
      url: '/lidex/api/counts',
      headers: fromEvil(),
    });
    expect({
      status: refused.statusCode,
      message: refused.json<{ message: string }>().message,
    }).toEqual({ status: 403, message: messages.dashboardCrossSite() });
    expect(
      (await fastify.inject({ url: '/lidex/api/counts' })).statusCode,
    ).toBe(200);
  });

  it('applies the guard to the page, its assets and its API', async () => {
    const running = await boot({ guard: ApiKeyGuard });
    const key = { 'x-api-key': 'let-me-in' };
    for (const path of ['/lidex', '/lidex/app.js', '/lidex/api/counts']) {
      const refused = await running.get(path);
      expect({ path, status: refused.status }).toEqual({ path, status: 403 });
      expect(securityHeaders(path, refused)).toEqual(expected(path));
      expect((await running.get(path, { headers: key })).status).toBe(200);
    }
    expect((await running.post('/lidex/api/workflow/cancel?id=x')).status).toBe(
      403,
    );
  });

  it('mounts at a custom path under a global prefix, and only there', async () => {
    const running = await boot({ path: 'ops/lidex' }, (app) =>
      app.setGlobalPrefix('api/v1'),
    );
    const page = await running.get('/api/v1/ops/lidex');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('src="lidex/app.js"');
    expect((await running.get('/api/v1/ops/lidex/app.js')).status).toBe(200);
    expect((await running.get('/api/v1/ops/lidex/api/counts')).status).toBe(
      200,
    );
    expect((await running.get('/lidex')).status).toBe(404);
    const refused = await running.get('/api/v1/ops/lidex/api/counts', {
      headers: fromEvil(),
    });
    expect(refused.status).toBe(403);
    const unknown = await running.get('/api/v1/ops/lidex/api/nope');
    expect(securityHeaders('prefixed 404', unknown)).toEqual(
      expected('prefixed 404'),
    );
  });

  it("runs a workflow that the app's own controller starts through LidexClient to finished", async () => {
    const running = await boot({});
    expect(
      await json(
        running.post('/greetings', {}, { id: 'order-7', name: 'Grace' }),
      ),
    ).toEqual({ status: 201, body: { id: 'order-7' } });
    await eventually(
      async () => (await running.client.status('order-7')) === 'finished',
    );
    expect(
      await json(running.get('/lidex/api/workflow?id=order-7')),
    ).toMatchObject({
      status: 200,
      body: { status: 'finished', result: 'Hello, Grace!' },
    });
  });
});
