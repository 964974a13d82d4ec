import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DASHBOARD_CONTENT_SECURITY_POLICY } from '../../lib/dashboard/dashboard.constants';
import { messages } from '../../lib/lidex.messages';
import { eventually } from '../support/eventually';
import {
  ApiKeyGuard,
  dashboardApps,
  type RunningApp,
} from './fixtures/dashboard.fixture';

const { boot } = dashboardApps();

const EVIL = 'http://evil.example';

/** What a browser sends with a request a page on another site makes. */
const fromEvil = (extra: Record<string, string> = {}) => ({
  origin: EVIL,
  'sec-fetch-site': 'cross-site',
  ...extra,
});

/** The header a browser reads to decide whether the page that asked may see the answer. */
function grantsEvil(response: Response): boolean {
  const allowed = response.headers.get('access-control-allow-origin');
  return allowed === '*' || allowed === EVIL;
}

/** A workflow that waits a day, so that it can be cancelled. */
async function waiting(running: RunningApp, id: string): Promise<void> {
  await running.client.start(id, 'wait-a-day', null);
  await eventually(async () => (await running.client.status(id)) === 'running');
}

describe.each([
  ['app.enableCors()', undefined],
  [
    'app.enableCors({ origin: true, credentials: true })',
    { origin: true, credentials: true },
  ],
])('dashboard API under %s', (_label, cors) => {
  let running: RunningApp;
  beforeEach(async () => {
    running = await boot({}, (app) => app.enableCors(cors));
    await waiting(running, 'wait-1');
  });

  it('the rest of the app does grant the other site (the CORS the app asked for)', async () => {
    // Nest answers 404 for an unknown route, with the app's CORS headers: the test's premise.
    const elsewhere = await running.get('/elsewhere', { headers: fromEvil() });
    expect(grantsEvil(elsewhere)).toBe(true);
  });

  it('refuses a preflight from another site, so a browser never sends the POST', async () => {
    const preflight = await running.get('/lidex/api/workflows/wait-1/cancel', {
      method: 'OPTIONS',
      headers: fromEvil({
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-lidex-dashboard',
      }),
    });
    expect(preflight.status).toBe(403);
    expect(grantsEvil(preflight)).toBe(false);
    expect(preflight.headers.get('access-control-allow-headers')).toBeNull();
    expect(
      preflight.headers.get('access-control-allow-credentials'),
    ).toBeNull();
  });

  it('refuses a cross-site cancel, retry, signal and read, whatever the request carries', async () => {
    const cancel = await running.get('/lidex/api/workflows/wait-1/cancel', {
      method: 'POST',
      headers: fromEvil({ 'x-lidex-dashboard': '1' }),
    });
    expect(cancel.status).toBe(403);
    expect(grantsEvil(cancel)).toBe(false);
    expect(((await cancel.json()) as { message: string }).message).toBe(
      messages.dashboardCrossSite(),
    );
    const retry = await running.get('/lidex/api/workflows/wait-1/retry', {
      method: 'POST',
      headers: fromEvil({ 'x-lidex-dashboard': '1' }),
    });
    expect(retry.status).toBe(403);
    for (const path of [
      '/lidex/api/workflows/wait-1/signal',
      '/lidex/api/workflow/signal?id=wait-1',
    ]) {
      const signal = await running.get(path, {
        method: 'POST',
        headers: fromEvil({
          'x-lidex-dashboard': '1',
          'content-type': 'application/json',
        }),
        body: JSON.stringify({ name: 'wake-up' }),
      });
      expect({
        path,
        status: signal.status,
        granted: grantsEvil(signal),
      }).toEqual({ path, status: 403, granted: false });
    }
    expect(await running.client.status('wait-1')).toBe('running');
    expect((await running.client.get('wait-1'))?.signals).toEqual([]);

    for (const path of [
      '/lidex/api/workflows',
      '/lidex/api/workflows/wait-1',
      '/lidex/api/workflow?id=wait-1',
      '/lidex/api/counts',
      '/lidex/api/names',
      '/lidex/app.js',
    ]) {
      const read = await running.get(path, { headers: fromEvil() });
      expect({ path, status: read.status, granted: grantsEvil(read) }).toEqual({
        path,
        status: 403,
        granted: false,
      });
      expect(await read.text()).not.toContain('wait-a-day');
    }
  });

  it('refuses on either signal alone: Sec-Fetch-Site from another site, or a foreign Origin', async () => {
    const cases: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site' },
      // Another origin on the same site (a sibling subdomain, another port) is refused too.
      { 'sec-fetch-site': 'same-site' },
      { origin: EVIL },
      { origin: 'null' },
      { origin: running.url.replace(/:\d+$/, ':1') },
      { origin: running.url, 'sec-fetch-site': 'cross-site' },
      { origin: EVIL, 'sec-fetch-site': 'same-origin' },
    ];
    for (const headers of cases) {
      const answer = await running.get('/lidex/api/workflows', { headers });
      expect({ headers, status: answer.status }).toEqual({
        headers,
        status: 403,
      });
    }
  });

  it('still serves the page itself to a link from another site, and works same-origin', async () => {
    // A link in a chat or a wiki opens the page: a navigation, which reads no data.
    const navigation = await running.get('/lidex', {
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' },
    });
    expect(navigation.status).toBe(200);

    const sameOrigin = { origin: running.url, 'sec-fetch-site': 'same-origin' };
    const list = await running.get('/lidex/api/workflows', {
      headers: sameOrigin,
    });
    expect(list.status).toBe(200);
    // Behind a proxy that rewrites Host, the browser's host arrives as X-Forwarded-Host.
    const proxied = await running.get('/lidex/api/counts', {
      headers: {
        origin: 'https://ops.example.com',
        'x-forwarded-host': 'ops.example.com',
      },
    });
    expect(proxied.status).toBe(200);
    // Scripts and curl send neither header.
    expect((await running.get('/lidex/api/names')).status).toBe(200);

    const cancel = await running.get('/lidex/api/workflows/wait-1/cancel', {
      method: 'POST',
      headers: { ...sameOrigin, 'x-lidex-dashboard': '1' },
    });
    expect(await cancel.json()).toEqual({ cancelled: true });
    expect(await running.client.status('wait-1')).toBe('cancelled');
  });
});

it('refuses cross-site requests also where the app serves its Express instance itself', async () => {
  const running = await boot({}, (app) => app.enableCors());
  const own = createServer(
    running.app.getHttpAdapter().getInstance() as Parameters<
      typeof createServer
    >[0],
  );
  await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(own.address() as AddressInfo).port}`;
    const refused = await fetch(`${url}/lidex/api/workflows`, {
      headers: fromEvil(),
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toBe(
      messages.dashboardCrossSite(),
    );
    expect((await fetch(`${url}/lidex/api/workflows`)).status).toBe(200);
  } finally {
    await new Promise((resolve) => own.close(resolve));
  }
});

describe('security headers on every dashboard response', () => {
  function expectDashboardHeaders(what: string, response: Response) {
    const headers = {
      what,
      csp: response.headers.get('content-security-policy'),
      nosniff: response.headers.get('x-content-type-options'),
      frame: response.headers.get('x-frame-options'),
      cache: response.headers.get('cache-control'),
      referrer: response.headers.get('referrer-policy'),
    };
    expect(headers).toEqual({
      what,
      csp: DASHBOARD_CONTENT_SECURITY_POLICY,
      nosniff: 'nosniff',
      frame: 'DENY',
      cache: 'no-store',
      referrer: 'no-referrer',
    });
  }

  it('on guard refusals, unknown subroutes, malformed URLs and cross-site refusals', async () => {
    const guarded = await boot({ guard: ApiKeyGuard });
    for (const path of ['/lidex', '/lidex/app.js', '/lidex/api/counts']) {
      const refused = await guarded.get(path);
      expect(refused.status).toBe(403);
      expectDashboardHeaders(`guard 403 ${path}`, refused);
    }
    const refusedPost = await guarded.post('/lidex/api/workflows/x/cancel');
    expect(refusedPost.status).toBe(403);
    expectDashboardHeaders('guard 403 POST', refusedPost);

    const open = await boot({});
    const cases: [string, string, number][] = [
      ['unknown subroute', '/lidex/nope', 404],
      ['unknown API route', '/lidex/api/nope', 404],
      ['malformed URL', '/lidex/api/workflows/%E0%A4%A', 400],
      ['unknown id', '/lidex/api/workflows/nope', 404],
      ['the page', '/lidex', 200],
      ['the page with a slash', '/lidex/', 200],
    ];
    for (const [what, path, status] of cases) {
      const answer = await open.get(path);
      expect({ what, status: answer.status }).toEqual({ what, status });
      expectDashboardHeaders(what, answer);
    }
    const crossSite = await open.get('/lidex/api/counts', {
      headers: fromEvil(),
    });
    expectDashboardHeaders('cross-site 403', crossSite);
    // The rest of the app is left alone.
    const elsewhere = await open.get('/elsewhere');
    expect(elsewhere.headers.get('x-frame-options')).toBeNull();
  });

  it('under a global prefix, and only there', async () => {
    const prefixed = await boot({ path: 'ops/lidex' }, (app) =>
      app.setGlobalPrefix('api/v1'),
    );
    const unknown = await prefixed.get('/api/v1/ops/lidex/api/nope');
    expect(unknown.status).toBe(404);
    expectDashboardHeaders('prefixed 404', unknown);
    const refused = await prefixed.get('/api/v1/ops/lidex/api/counts', {
      headers: fromEvil(),
    });
    expect(refused.status).toBe(403);
    expect(
      (await prefixed.get('/ops/lidex/api/nope')).headers.get(
        'x-frame-options',
      ),
    ).toBeNull();
  });
});
