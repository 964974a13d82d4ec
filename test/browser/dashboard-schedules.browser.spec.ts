import { chromium, type Browser } from 'playwright-core';
import { lidexWith, listen } from '../dashboard/fixtures/dashboard.fixture';
import {
  CHROMIUM_ARGS,
  findChromium,
  NO_CHROMIUM_MESSAGE,
} from '../support/chromium';
import { sqliteStoreFactory } from '../support/store-factories';

const executablePath = findChromium();
const describeBrowser =
  executablePath || process.env.CI ? describe : describe.skip;
const MARKUP_ID = '<img src=x onerror="window.__pwned=1">';

describeBrowser('the dashboard’s schedules panel in headless Chromium', () => {
  const sqlite = sqliteStoreFactory();
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!executablePath)
      throw new Error(`CI=true and no Chromium. ${NO_CHROMIUM_MESSAGE}`);
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await sqlite.cleanup();
  });

  it('lists each schedule with its timing, next fire time or paused, as text', async () => {
    const { client, url } = await listen(lidexWith(await sqlite.create(), {}));
    await client.schedules.create('nightly-greeting', {
      workflow: 'greet',
      input: { name: 'Ada' },
      cron: '0 3 * * *',
      timezone: 'Europe/Berlin',
    });
    await client.schedules.create(MARKUP_ID, {
      workflow: 'charge',
      input: 5,
      every: 2 * 60 * 60 * 1000,
    });
    await client.schedules.pause(MARKUP_ID);

    const page = await browser!.newPage();
    try {
      await page.goto(`${url}/lidex`);
      const rows = page.locator('#schedules tbody tr');
      await rows.nth(1).waitFor();
      expect(await rows.count()).toBe(2);
      const nightly = page.locator(
        '#schedules tr[data-schedule="nightly-greeting"] td',
      );
      expect(await nightly.allTextContents()).toEqual([
        'nightly-greeting',
        'greet',
        '0 3 * * * (Europe/Berlin)',
        expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
        expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
        'missed: skip, overlap: skip',
      ]);
      const paused = rows.filter({ hasText: 'every 2 h' });
      expect(await paused.locator('td.id').textContent()).toBe(MARKUP_ID);
      expect(await paused.locator('td.next').textContent()).toBe('paused');
      expect(
        await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned),
      ).toBeUndefined();
      await expect(page.locator('#schedules-empty').isHidden()).resolves.toBe(
        true,
      );
    } finally {
      await page.close();
    }
  });
});
