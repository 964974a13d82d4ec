import { Injectable, Module } from '@nestjs/common';
import { chromium, type Browser } from 'playwright-core';
import { Workflow } from '@lidex/nestjs';
import { Exports, ExportsModule } from '../dashboard/fixtures/exports.fixture';
import {
  lidexWith,
  listen,
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

/** More workflows than the list's first page (50), all but the oldest without priority or key. */
const NEWER = 55;

/** Reports that finish at once: the list filled without holding any slot. */
@Injectable()
class Reports {
  @Workflow('report')
  report(): Promise<string> {
    return Promise.resolve('done');
  }
}

@Module({ providers: [Reports] })
class ReportsModule {}
const describeBrowser =
  executablePath || process.env.CI ? describe : describe.skip;

describeBrowser(
  'the dashboard’s slots and priority/key filters in headless Chromium',
  () => {
    const sqlite = sqliteStoreFactory();
    let running: RunningApp | undefined;
    let browser: Browser | undefined;

    beforeAll(async () => {
      if (!executablePath)
        throw new Error(`CI=true and no Chromium. ${NO_CHROMIUM_MESSAGE}`);
      browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    });

    afterAll(async () => {
      running?.app.get(Exports).letGo();
      await browser?.close();
      await sqlite.cleanup();
    });

    it('shows slots used against the limits, and filters the list by priority and key', async () => {
      running = await listen([
        ...lidexWith(await sqlite.create(), {}),
        ExportsModule,
      ]);
      const { client, url } = running;
      const exports = running.app.get(Exports);
      for (const [id, key, priority] of [
        ['x1', 'acme', 5],
        ['x2', 'acme', 0],
        ['x3', 'acme', 0],
        ['x4', 'globex', 5],
      ] as const)
        await client.start(id, 'export', null, {
          concurrencyKey: key,
          priority,
        });
      await eventually(
        () => exports.running === 3,
        10_000,
        '3 exports running',
      );

      const page = await browser!.newPage({
        viewport: { width: 1280, height: 900 },
      });
      try {
        await page.goto(`${url}/lidex`);
        const slots = page.locator('#slots tr[data-workflow="export"]');
        await slots.locator('td.used', { hasText: /^3 \/ 3$/ }).waitFor();
        expect(await slots.locator('td.per-key').textContent()).toBe('2');
        expect(await slots.locator('td.keys').textContent()).toBe(
          'acme: 2 / 2, globex: 1 / 2',
        );
        expect(await slots.locator('td.rate').textContent()).toBe(
          '100 starts, 50 per key per 1000 ms',
        );

        const shownIds = () =>
          page.evaluate<string[]>(
            "[...document.querySelectorAll('#workflows tbody tr')].map((row) => row.dataset.id)",
          );
        const showing = (ids: string[]) =>
          eventually(
            async () =>
              JSON.stringify(await shownIds()) === JSON.stringify(ids),
            10_000,
            `the list to show ${ids.join(', ')}`,
          );
        await showing(['x4', 'x3', 'x2', 'x1']);
        await page.locator('#key-filter').fill('acme');
        await page.locator('#key-filter').press('Tab');
        await showing(['x3', 'x2', 'x1']);
        expect(new URL(page.url()).hash).toContain('key=acme');
        await page.locator('#priority-filter').fill('5');
        await page.locator('#priority-filter').press('Tab');
        await showing(['x1']);
        await page.locator('#key-filter').fill('');
        await page.locator('#key-filter').press('Tab');
        await showing(['x4', 'x1']);

        // Once they let go, the slots are free again.
        exports.letGo();
        await eventually(() => exports.running === 1, 10_000, 'x3 to run');
        exports.letGo();
        await client.wait('x3');
        await slots.locator('td.used', { hasText: /^0 \/ 3$/ }).waitFor();
      } finally {
        await page.close();
      }
    }, 60_000);

    it('filters by priority and key across the whole store, not only the rows loaded', async () => {
      const reports = await listen([
        ...lidexWith(await sqlite.create(), {}),
        ReportsModule,
      ]);
      const { client, url } = reports;
      await client.start('a-rare', 'report', null, {
        priority: 9,
        concurrencyKey: 'rare',
      });
      await new Promise((resolve) => setTimeout(resolve, 5));
      for (let i = 0; i < NEWER; i++)
        await client.start(`r-${String(i).padStart(2, '0')}`, 'report', null);

      const page = await browser!.newPage({
        viewport: { width: 1280, height: 900 },
      });
      try {
        await page.goto(`${url}/lidex`);
        const shownIds = () =>
          page.evaluate<string[]>(
            "[...document.querySelectorAll('#workflows tbody tr')].map((row) => row.dataset.id)",
          );
        // The first page: the 50 newest, without the oldest.
        await eventually(
          async () => (await shownIds()).length === 50,
          10_000,
          'the first page of 50 rows',
        );
        expect(await shownIds()).not.toContain('a-rare');
        const showing = (ids: string[]) =>
          eventually(
            async () =>
              JSON.stringify(await shownIds()) === JSON.stringify(ids),
            10_000,
            `the list to show ${ids.join(', ')}`,
          );
        await page.locator('#key-filter').fill('rare');
        await page.locator('#key-filter').press('Tab');
        await showing(['a-rare']);
        await page.locator('#key-filter').fill('');
        await page.locator('#key-filter').press('Tab');
        await page.locator('#priority-filter').fill('9');
        await page.locator('#priority-filter').press('Tab');
        await showing(['a-rare']);
        expect(new URL(page.url()).hash).toContain('priority=9');
      } finally {
        await page.close();
      }
    }, 60_000);
  },
);
