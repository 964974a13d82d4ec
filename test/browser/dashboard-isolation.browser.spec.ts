import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CanActivate,
  ExecutionContext,
  Injectable,
  type INestApplication,
} from '@nestjs/common';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Page,
} from 'playwright-core';
import {
  lidexWith,
  listen,
  Provider,
  type RunningApp,
} from '../dashboard/fixtures/dashboard.fixture';
import { eventually } from '../support/eventually';
import {
  CHROMIUM_ARGS,
  findChromium,
  NO_CHROMIUM_MESSAGE,
} from '../support/chromium';
import { sqliteStoreFactory } from '../support/store-factories';

const executablePath = findChromium();
const describeBrowser =
  executablePath || process.env.CI ? describe : describe.skip;

/** Lets in a browser that carries the session cookie, as an app's own login would. */
@Injectable()
class SessionCookieGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { headers } = context
      .switchToHttp()
      .getRequest<{ headers: { cookie?: string } }>();
    return /(^|;\s*)session=admin(;|$)/.test(headers.cookie ?? '');
  }
}

/** What a page's `fetch` came to: the answer it could read, or the error the browser gave it. */
type FetchOutcome =
  { read: true; status: number; body: string } | { read: false; error: string };

function fetchFrom(
  page: Page,
  url: string,
  init: RequestInit,
): Promise<FetchOutcome> {
  return page.evaluate(
    async ([url, init]) => {
      try {
        const answer = await fetch(url, init);
        return { read: true, status: answer.status, body: await answer.text() };
      } catch (error) {
        return { read: false, error: String(error) };
      }
    },
    [url, init] as const,
  );
}

describeBrowser(
  'the dashboard in headless Chromium, against hostile ids and pages',
  () => {
    const sqlite = sqliteStoreFactory();
    let browser: Browser | undefined;
    let attacker: Server | undefined;
    let attackerPort = 0;
    let running: RunningApp | undefined;
    let context: BrowserContext | undefined;

    async function boot(
      dashboard: unknown,
      configure?: (app: INestApplication) => void,
    ): Promise<RunningApp> {
      running = await listen(
        lidexWith(await sqlite.create(), dashboard),
        configure,
      );
      return running;
    }

    beforeAll(async () => {
      if (!executablePath)
        throw new Error(`CI=true and no Chromium. ${NO_CHROMIUM_MESSAGE}`);
      browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
      // The other site: a page of its own, on another port.
      attacker = createServer((_request, response) => {
        response.setHeader('content-type', 'text/html');
        response.end(
          '<!doctype html><title>another site</title><p>Win a prize!</p>',
        );
      });
      await new Promise<void>((resolve) =>
        attacker!.listen(0, '127.0.0.1', resolve),
      );
      attackerPort = (attacker.address() as AddressInfo).port;
    });

    afterEach(async () => {
      await context?.close();
      await running?.app.close();
      context = undefined;
      running = undefined;
    });

    afterAll(async () => {
      await browser?.close();
      await new Promise((resolve) => attacker?.close(resolve));
      await sqlite.cleanup();
    });

    it("opens workflows '.', '..' and an ordinary one in turn, each with its own actions", async () => {
      const { app, client, url } = await boot({});
      app.get(Provider).down = true;
      await client.start('ordinary', 'wait-a-day', { which: 'ordinary' });
      await client.start('.', 'charge', 1);
      expect(await client.wait('.')).toBe('aborted');
      await client.start('..', 'greet', { name: 'dots' });
      expect(await client.wait('..')).toBe('finished');
      await eventually(
        async () => (await client.status('ordinary')) === 'running',
      );

      context = await browser!.newContext();
      const page = await context.newPage();
      page.on('dialog', (dialog) => void dialog.accept());
      await page.goto(`${url}/lidex`);
      const open = async (id: string, status: string) => {
        await page.locator(`#workflows tbody tr[data-id="${id}"]`).click();
        await page
          .locator('#detail .detail-header', {
            has: page.locator('.workflow-id', {
              hasText: new RegExp(`^${id.replace(/\./g, '\\.')}$`),
            }),
          })
          .locator('.status', { hasText: status })
          .waitFor();
      };
      const buttons = () =>
        page.locator('#detail .actions button').allTextContents();

      await open('ordinary', 'running');
      expect(await buttons()).toEqual(['Cancel', 'Terminate', 'Close']);
      await open('.', 'aborted');
      expect(await buttons()).toEqual(['Retry', 'Delete', 'Close']);
      await page.locator('#detail pre.input', { hasText: '1' }).waitFor();
      await open('..', 'finished');
      expect(await buttons()).toEqual(['Delete', 'Close']);
      await page
        .locator('#detail pre.result', { hasText: 'Hello, dots!' })
        .waitFor();

      // Retry on '.' retries '.', and nothing else.
      app.get(Provider).down = false;
      await open('.', 'aborted');
      await page.getByRole('button', { name: 'Retry', exact: true }).click();
      expect(await client.wait('.')).toBe('finished');
      expect(await client.status('ordinary')).toBe('running');
      // An address naming '..' opens '..'.
      await page.goto(`${url}/lidex#id=..`);
      await page
        .locator('#detail .workflow-id', { hasText: /^\.\.$/ })
        .waitFor();
      expect(await buttons()).toEqual(['Delete', 'Close']);
    }, 60_000);

    it('under app.enableCors(), keeps a page on another site from reading or cancelling', async () => {
      const { client, url } = await boot({}, (app) => app.enableCors());
      await client.start('wait-1', 'wait-a-day', null);
      await eventually(
        async () => (await client.status('wait-1')) === 'running',
      );

      context = await browser!.newContext();
      const page = await context.newPage();
      // localhost is another site than 127.0.0.1, where the app listens.
      await page.goto(`http://localhost:${attackerPort}/`);
      const read = await fetchFrom(page, `${url}/lidex/api/workflows`, {});
      expect(read).toEqual({
        read: false,
        error: expect.stringMatching(/fetch/i),
      });
      const cancel = await fetchFrom(
        page,
        `${url}/lidex/api/workflows/wait-1/cancel`,
        {
          method: 'POST',
          headers: { 'X-Lidex-Dashboard': '1' },
        },
      );
      expect(cancel).toEqual({
        read: false,
        error: expect.stringMatching(/fetch/i),
      });
      expect(await client.status('wait-1')).toBe('running');

      // The dashboard's own page still reads and cancels.
      await page.goto(`${url}/lidex`);
      const own = await fetchFrom(page, 'lidex/api/workflows/wait-1/cancel', {
        method: 'POST',
        headers: { 'X-Lidex-Dashboard': '1' },
      });
      expect(own).toEqual({
        read: true,
        status: 200,
        body: '{"cancelled":true}',
      });
    }, 60_000);

    it('under a reflected origin with credentials, keeps a logged-in browser from being made to read or cancel', async () => {
      const { client, url } = await boot({ guard: SessionCookieGuard }, (app) =>
        app.enableCors({ origin: true, credentials: true }),
      );
      await client.start('wait-1', 'wait-a-day', null);
      await eventually(
        async () => (await client.status('wait-1')) === 'running',
      );

      context = await browser!.newContext();
      // Logged in to the app: its session cookie, sent to the same site (another port is the same site).
      await context.addCookies([{ name: 'session', value: 'admin', url }]);
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${attackerPort}/`);
      const withCookie = { credentials: 'include', mode: 'cors' } as const;
      const read = await fetchFrom(
        page,
        `${url}/lidex/api/workflows`,
        withCookie,
      );
      expect(read).toEqual({
        read: false,
        error: expect.stringMatching(/fetch/i),
      });
      const cancel = await fetchFrom(
        page,
        `${url}/lidex/api/workflows/wait-1/cancel`,
        {
          ...withCookie,
          method: 'POST',
          headers: { 'X-Lidex-Dashboard': '1' },
        },
      );
      expect(cancel).toEqual({
        read: false,
        error: expect.stringMatching(/fetch/i),
      });
      expect(await client.status('wait-1')).toBe('running');

      await page.goto(`${url}/lidex`);
      await page.locator('#workflows tbody tr[data-id="wait-1"]').waitFor();
      const own = await fetchFrom(page, 'lidex/api/workflows/wait-1/cancel', {
        method: 'POST',
        headers: { 'X-Lidex-Dashboard': '1' },
      });
      expect(own).toEqual({
        read: true,
        status: 200,
        body: '{"cancelled":true}',
      });
    }, 60_000);
  },
);
