import { Injectable, Module } from '@nestjs/common';
import { InvalidOptionsError, LidexModule } from '@lidex/nestjs';
import { DASHBOARD_SCRIPT } from '../../lib/dashboard/assets/dashboard.script';
import { DASHBOARD_CONTENT_SECURITY_POLICY } from '../../lib/dashboard/dashboard.constants';
import { messages } from '../../lib/lidex.messages';
import {
  ApiKeyGuard,
  dashboardApps,
  DashboardFixtureModule,
  listen,
} from './fixtures/dashboard.fixture';

const { boot, sqlite } = dashboardApps();

describe('dashboard mounting', () => {
  it.each([
    ['absent', undefined],
    ['false', false],
  ])('mounts nothing when the option is %s', async (_label, dashboard) => {
    const { get, logger } = await boot(dashboard);
    expect((await get('/lidex')).status).toBe(404);
    expect((await get('/lidex/api/counts')).status).toBe(404);
    expect(logger.has('LidexDashboardController')).toBe(false);
  });

  it('mounts at /lidex with `true`, and at a path of your choice', async () => {
    expect((await (await boot(true)).get('/lidex')).status).toBe(200);

    const custom = await boot({ path: '/ops/workflows/' });
    expect((await custom.get('/ops/workflows')).status).toBe(200);
    expect((await custom.get('/ops/workflows/api/counts')).status).toBe(200);
    expect((await custom.get('/lidex')).status).toBe(404);
  });

  it('mounts from forRootAsync, where options come from a factory', async () => {
    const running = await listen([
      LidexModule.forRootAsync({
        useFactory: async () => ({
          persistence: await sqlite.create(),
          pollIntervalMs: 10,
        }),
        dashboard: { path: 'admin/lidex' },
      }),
      DashboardFixtureModule,
    ]);
    expect((await running.get('/admin/lidex')).status).toBe(200);
    expect(await (await running.get('/admin/lidex/api/names')).json()).toEqual({
      names: ['await-approval', 'charge', 'greet', 'wait-a-day'],
    });
  });

  it('refuses a path that is not a plain static route', () => {
    for (const path of ['', '/', 'workflows/:id', 'a b', 'lidex*']) {
      expect(() => LidexModule.forRoot({ dashboard: { path } })).toThrow(
        InvalidOptionsError,
      );
    }
    expect(() =>
      LidexModule.forRoot({ dashboard: { guard: 'admin' as never } }),
    ).toThrow(InvalidOptionsError);
  });

  it('names the option and what it accepts for a path with dot segments, query or fragment characters, or no text', () => {
    for (const path of [
      '../x',
      'ops/../lidex',
      './lidex',
      'ops/.',
      '..',
      'ops//lidex',
      'lidex?x=1',
      'lidex#top',
      ' lidex',
      '',
      42,
      null,
      ['lidex'],
    ]) {
      expect(() =>
        LidexModule.forRoot({ dashboard: { path: path as never } }),
      ).toThrow(
        new InvalidOptionsError(
          'dashboard.path',
          path,
          messages.invalidDashboardPath(),
        ),
      );
    }
    // What stays accepted: segments holding dots, and slashes around the path.
    for (const path of ['/ops/lidex/', 'ops.v2/lidex', '.well-known/lidex'])
      expect(() => LidexModule.forRoot({ dashboard: { path } })).not.toThrow();
  });

  it('names the option for a guard that is neither a guard class nor an instance, and for an unknown key', () => {
    class NotAGuard {}
    for (const guard of [
      'admin',
      () => true,
      NotAGuard,
      {},
      { canActivate: true },
    ])
      expect(() =>
        LidexModule.forRoot({ dashboard: { guard: guard as never } }),
      ).toThrow(
        new InvalidOptionsError(
          'dashboard.guard',
          guard,
          messages.invalidDashboardGuard(),
        ),
      );
    expect(() =>
      LidexModule.forRoot({ dashboard: { paht: 'ops' } as never }),
    ).toThrow(
      new InvalidOptionsError(
        'dashboard.paht',
        'ops',
        messages.unknownDashboardOption(),
      ),
    );
  });
});

describe('dashboard guard', () => {
  it('keeps the page, its assets and its API behind a guard class', async () => {
    const { get, post } = await boot({ guard: ApiKeyGuard });
    for (const path of ['/lidex', '/lidex/app.js', '/lidex/api/counts']) {
      expect({ path, status: (await get(path)).status }).toEqual({
        path,
        status: 403,
      });
    }
    expect((await post('/lidex/api/workflows/x/retry')).status).toBe(403);

    const allowed = { headers: { 'x-api-key': 'let-me-in' } };
    expect((await get('/lidex', allowed)).status).toBe(200);
    expect((await get('/lidex/api/counts', allowed)).status).toBe(200);
  });

  it('takes a guard instance, and a guard class whose dependencies come from forRootAsync imports', async () => {
    const instance = await boot({
      guard: { canActivate: () => false },
    });
    expect((await instance.get('/lidex')).status).toBe(403);

    @Injectable()
    class Keys {
      readonly allowed = 'from-a-provider';
    }
    @Module({ providers: [Keys], exports: [Keys] })
    class KeysModule {}
    @Injectable()
    class KeysGuard {
      constructor(private readonly keys: Keys) {}
      canActivate(context: {
        switchToHttp(): {
          getRequest(): { headers: Record<string, string | undefined> };
        };
      }): boolean {
        const headers = context.switchToHttp().getRequest().headers;
        return headers['x-api-key'] === this.keys.allowed;
      }
    }
    const injected = await listen([
      LidexModule.forRootAsync({
        imports: [KeysModule],
        useFactory: async () => ({ persistence: await sqlite.create() }),
        dashboard: { guard: KeysGuard },
      }),
      DashboardFixtureModule,
    ]);
    expect((await injected.get('/lidex')).status).toBe(403);
    const withKey = { headers: { 'x-api-key': 'from-a-provider' } };
    expect((await injected.get('/lidex', withKey)).status).toBe(200);
  });
});

describe('dashboard in production', () => {
  const nodeEnv = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = nodeEnv;
  });

  it('warns when it is enabled without a guard', async () => {
    process.env.NODE_ENV = 'production';
    const { logger } = await boot({ path: 'ops/lidex' });
    expect(logger.messages()).toContain(
      messages.dashboardUnguarded('ops/lidex'),
    );
  });

  it('does not warn with a guard, or outside production', async () => {
    process.env.NODE_ENV = 'production';
    const guarded = await boot({ guard: ApiKeyGuard });
    process.env.NODE_ENV = 'development';
    const development = await boot({});
    for (const { logger } of [guarded, development])
      expect(logger.has('has no guard')).toBe(false);
  });
});

describe('dashboard page', () => {
  it('is served with a strict content security policy and loads only its own assets', async () => {
    const { get } = await boot({});
    const page = await get('/lidex');
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toBe(
      DASHBOARD_CONTENT_SECURITY_POLICY,
    );
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    expect(html).toContain('<script src="lidex/app.js" defer></script>');
    expect(html).toContain('<link rel="stylesheet" href="lidex/app.css">');

    const script = await get('/lidex/app.js');
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    const style = await get('/lidex/app.css');
    expect(style.headers.get('content-type')).toMatch(/^text\/css/);
    // No CDN, no other origin: everything the page needs comes from the app.
    for (const text of [html, await script.text(), await style.text()])
      expect(text).not.toMatch(/https?:\/\//);
  });

  it('finds its assets behind a global prefix and with a trailing slash', async () => {
    const { get } = await boot({}, (app) => app.setGlobalPrefix('api/v1'));
    const html = await (await get('/api/v1/lidex/')).text();
    expect(html).toContain('<script src="app.js" defer></script>');
    expect((await get('/api/v1/lidex/app.js')).status).toBe(200);
  });

  it('never turns data into HTML in its script', () => {
    expect(DASHBOARD_SCRIPT).not.toMatch(
      /innerHTML|outerHTML|insertAdjacentHTML|document\.write/,
    );
  });
});
