import { join } from 'node:path';
import {
  chromium,
  type Browser,
  type Locator,
  type Page,
} from 'playwright-core';
import { eventually } from '../support/eventually';
import {
  CHROMIUM_ARGS,
  findChromium,
  NO_CHROMIUM_MESSAGE,
} from '../support/chromium';
import { startSample, type RunningSample } from '../support/sample-process';
import { tempDir } from '../support/temp-dir';

const executablePath = findChromium();
const PASSWORD = 'open sesame';
const NOTE = '<script>window.__pwned = true</script>';

// Without Chromium the suite is skipped with one line saying how to get it; in CI it fails.
if (!executablePath && !process.env.CI)
  console.warn(`\nSkipping the browser test. ${NO_CHROMIUM_MESSAGE}\n`);
const describeBrowser =
  executablePath || process.env.CI ? describe : describe.skip;

describeBrowser('the sample app’s dashboard in headless Chromium', () => {
  const dir = tempDir('lidex-browser-');
  let sample: RunningSample | undefined;
  let browser: Browser | undefined;

  const send = (path: string, init?: RequestInit) =>
    fetch(`${sample!.url}${path}`, init);

  async function statusOf(workflowId: string): Promise<string> {
    const answer = await send(`/workflows/${workflowId}`);
    return ((await answer.json()) as { status: string }).status;
  }

  beforeAll(async () => {
    if (!executablePath)
      throw new Error(`CI=true and no Chromium. ${NO_CHROMIUM_MESSAGE}`);
    sample = await startSample({
      LIDEX_SQLITE_PATH: join(dir.path, 'sample.sqlite'),
      LIDEX_RETRY_INTERVAL_MS: '100',
      PAYMENT_RETRY_DELAY_MS: '100',
      CAPTURE_DELAY_MS: '20',
      DASHBOARD_PASSWORD: PASSWORD,
    });
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    if (sample && sample.child.exitCode === null) {
      sample.child.kill('SIGTERM');
      await sample.exited;
    }
    dir.remove();
  });

  it('shows a finished and an aborted workflow, as text, and retries the aborted one until it finishes', async () => {
    // A paid invoice whose note is markup; a declined card (three attempts with sleeps between
    // them, then the account is blocked); then a payment provider outage that aborts a third.
    await send('/invoices/42/collect', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ note: NOTE }),
    });
    await send('/invoices/13/collect', { method: 'POST' });
    // The paid invoice's capture waits for the provider's confirmation (sent below, from the
    // dashboard).
    for (const id of ['collect-payment-13', 'collect-payment-13-block-account'])
      await eventually(async () => (await statusOf(id)) === 'finished');
    await send('/payment-provider/outage', { method: 'POST' });
    await send('/invoices/7/collect', { method: 'POST' });
    await eventually(
      async () => (await statusOf('collect-payment-7')) === 'aborted',
      20_000,
      'collect-payment-7 to abort during the outage',
    );

    // The sample's guard asks for a password.
    const unauthorised = await send('/lidex');
    expect(unauthorised.status).toBe(401);
    expect(unauthorised.headers.get('www-authenticate')).toMatch(/^Basic/);

    const context = await browser!.newContext({
      httpCredentials: { username: 'ops', password: PASSWORD },
      viewport: { width: 1280, height: 760 },
    });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(`${sample!.url}/lidex`);

    // Counts by status, and both workflows in the list.
    await countIs(page, 'finished', '2');
    await countIs(page, 'running', '1');
    await countIs(page, 'aborted', '1');
    await countIs(page, 'all', '4');

    // Charts of the last hour, from the store, as inline SVG: the two finished workflows in the
    // throughput, some backlog, and the steps' latency.
    const barsOf = (chart: string): Promise<number[]> =>
      page.evaluate<number[]>(
        `[...document.querySelectorAll('#charts [data-chart="${chart}"] svg rect.bar')].map((bar) => Number(bar.dataset.value))`,
      );
    await page.locator('#charts [data-chart="latency"] svg').waitFor();
    expect(await page.locator('#charts svg').count()).toBe(3);
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    expect((await barsOf('throughput')).length).toBe(60);
    expect(sum(await barsOf('throughput'))).toBeGreaterThanOrEqual(2);
    expect(Math.max(...(await barsOf('backlog')))).toBeGreaterThanOrEqual(1);
    expect(Math.max(...(await barsOf('latency')))).toBeGreaterThan(0);
    // By its id exactly: collect-payment-13's child's id begins with the parent's.
    const row = (id: string) =>
      page.locator(`#workflows tbody tr[data-id="${id}"]`);
    await row('collect-payment-42').getByText('running').waitFor();
    await row('collect-payment-13-block-account')
      .getByText('finished')
      .waitFor();
    await row('collect-payment-7').getByText('aborted').waitFor();

    // Each count is a filter, and so is the workflow name. The ids are read in one go in the
    // page, so that a re-render cannot interleave.
    const shownIds = (): Promise<unknown> =>
      page.evaluate(
        "[...document.querySelectorAll('#workflows tbody tr')].map((row) => row.dataset.id)",
      );
    const showing = (ids: string[]) =>
      eventually(
        async () => JSON.stringify(await shownIds()) === JSON.stringify(ids),
        10_000,
        `the list to show ${ids.join(', ')}`,
      );
    const all = [
      'collect-payment-7',
      'collect-payment-13-block-account',
      'collect-payment-13',
      'collect-payment-42',
    ];
    await showing(all);
    await page.locator('#counts [data-status="aborted"]').click();
    await showing(['collect-payment-7']);
    await page.locator('#counts [data-status="all"]').click();
    await showing(all);
    await page.locator('#name-filter').selectOption('block-account');
    await showing(['collect-payment-13-block-account']);
    await countIs(page, 'all', '1');
    await page.locator('#name-filter').selectOption('');
    await showing(all);

    // The version each workflow started on is a column, and a filter kept in the address.
    expect(
      await row('collect-payment-42').locator('td.version').textContent(),
    ).toBe('1');
    const versionFilter = page.locator('#version-filter');
    await versionFilter.fill('2');
    await versionFilter.press('Tab');
    await showing([]);
    expect(new URL(page.url()).hash).toContain('version=2');
    await versionFilter.fill('1');
    await versionFilter.press('Tab');
    await showing(all);
    await versionFilter.fill('');
    await versionFilter.press('Tab');
    await showing(all);

    // The stored note is shown as text, and the script inside it never ran.
    await row('collect-payment-42').click();
    await page
      .locator('#detail .step-result', { hasText: NOTE })
      .first()
      .waitFor();
    expect(await page.locator('#detail script').count()).toBe(0);
    expect(
      await page.evaluate(() => (globalThis as { __pwned?: boolean }).__pwned),
    ).toBeUndefined();

    // It waits for the provider's confirmation: on the timeline, and a filter of the list.
    await page
      .locator('#detail li.waiting', { hasText: 'payment-confirmed' })
      .getByText(/until \d{4}-/)
      .waitFor();
    await page.locator('#waiting-filter').selectOption('signal');
    await showing(['collect-payment-42']);
    expect(new URL(page.url()).hash).toContain('waiting=signal');
    await page.locator('#waiting-filter').selectOption('');
    await showing(all);

    // Sending it a signal from the dashboard: JSON that does not parse is refused, with why.
    const signalForm = page.locator('#detail form.send-signal');
    expect(await signalForm.locator('[name="signal-name"]').inputValue()).toBe(
      'payment-confirmed',
    );
    await signalForm.locator('[name="signal-payload"]').fill('{ status: ok');
    await signalForm.getByRole('button', { name: 'Send signal' }).click();
    await page
      .locator('#notice', { hasText: 'Could not send signal' })
      .getByText(/does not parse/)
      .waitFor();
    await signalForm
      .locator('[name="signal-payload"]')
      .fill('{ "status": "succeeded" }');
    await signalForm.getByRole('button', { name: 'Send signal' }).click();
    await page
      .locator('#notice', {
        hasText: 'Signal "payment-confirmed" delivered to collect-payment-42',
      })
      .waitFor();
    await page
      .locator('#detail .detail-header .status', { hasText: 'finished' })
      .waitFor({ timeout: 20_000 });
    // The signal received, when it was sent and the wait that consumed it, on the timeline.
    await page
      .locator('#detail li.signal-received', { hasText: 'payment-confirmed' })
      .getByText(/sent \d{4}-.* · consumed by confirmation-0/)
      .waitFor();
    expect(await page.locator('#detail li.waiting').count()).toBe(0);
    expect(await page.locator('#detail form.send-signal').count()).toBe(0);
    await countIs(page, 'finished', '3');

    // Sleeps are on the timeline with their wake-up time.
    await row('collect-payment-13').click();
    await page
      .locator('#detail li.sleep', { hasText: 'sleep-0' })
      .getByText(/woke at/)
      .waitFor();

    // The aborted workflow: its error, and a Retry button.
    await row('collect-payment-7').click();
    await page
      .locator('#detail .workflow-id', { hasText: 'collect-payment-7' })
      .waitFor();
    await page
      .locator('#detail .error-message', {
        hasText: 'Payment provider unavailable',
      })
      .waitFor();
    expect(await headings(page)).toContain('Last error');
    // Its capture step was retried: each attempt on the timeline, with its error.
    const capture = page.locator('#detail li.step', {
      hasText: 'capture-payment-0',
    });
    await capture
      .locator('ol.attempts li.failed', { hasText: 'attempt 1' })
      .getByText('Error: Payment provider unavailable (outage switched on)')
      .waitFor();
    await capture
      .locator('ol.attempts li.failed', { hasText: 'attempt 2' })
      .waitFor();
    const abortedRed = await colorOf(
      page.locator('#detail .error-message').first(),
    );
    if (process.env.LIDEX_SCREENSHOT === '1') {
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({
        path: join(__dirname, '../../docs/dashboard.png'),
      });
    }

    // A retry the server refuses says why, and the notice stays up after the page refreshes.
    await page.route('**/api/workflow/retry?*', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ statusCode: 503, message: 'Store unreachable' }),
      }),
    );
    await page.getByRole('button', { name: 'Retry', exact: true }).click();
    const refused = page.locator('#notice', {
      hasText: 'Could not retry collect-payment-7',
    });
    await refused.waitFor();
    await page.waitForTimeout(2_500); // past the page's next refresh
    expect(await refused.isVisible()).toBe(true);
    await page.unroute('**/api/workflow/retry?*');

    // The outage is over: retry, and watch it finish from its recorded steps.
    await send('/payment-provider/outage', { method: 'DELETE' });
    await page.getByRole('button', { name: 'Retry', exact: true }).click();
    await page
      .locator('#notice', { hasText: 'Retrying collect-payment-7' })
      .waitFor();
    // Captured now: the provider confirms it by webhook.
    await eventually(
      async () =>
        (
          (await (
            await send('/lidex/api/workflow?id=collect-payment-7', {
              headers: {
                authorization: `Basic ${Buffer.from(`ops:${PASSWORD}`).toString('base64')}`,
              },
            })
          ).json()) as { waitingFor?: unknown }
        ).waitingFor !== undefined,
      20_000,
      'collect-payment-7 to wait for its confirmation',
    );
    await send('/webhooks/payments/7', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'succeeded' }),
    });
    await page
      .locator('#detail .detail-header .status', { hasText: 'finished' })
      .waitFor({ timeout: 20_000 });
    await page
      .locator('#detail .step-id', { hasText: 'mark-invoice-as-paid' })
      .waitFor();
    await countIs(page, 'finished', '4');
    await countIs(page, 'aborted', '0');
    expect(
      await page.getByRole('button', { name: 'Retry', exact: true }).count(),
    ).toBe(0);
    // The error that aborted it is history now: not "Last error", not in the error's red.
    const earlier = page.locator('#detail p', {
      hasText: 'Payment provider unavailable',
    });
    await earlier.first().waitFor();
    expect(await headings(page)).not.toContain('Last error');
    expect(await headings(page)).toContain('Earlier error');
    expect(await colorOf(earlier.first())).not.toBe(abortedRed);

    // The failed requests are the refused retry and the signal that was not JSON, above.
    expect(
      pageErrors.filter(
        (error) =>
          !error.includes('status of 503') && !error.includes('status of 400'),
      ),
    ).toEqual([]);
    await context.close();
  }, 90_000);

  it('terminates a running workflow without compensating, and deletes an ended one', async () => {
    // Invoice 55's capture waits for the provider's confirmation: running, with a compensable
    // capture (its refund would run on a cancel).
    await send('/invoices/55/collect', { method: 'POST' });
    await eventually(
      async () => (await statusOf('collect-payment-55')) === 'running',
      20_000,
      'collect-payment-55 to run',
    );
    const context = await browser!.newContext({
      httpCredentials: { username: 'ops', password: PASSWORD },
      viewport: { width: 1280, height: 760 },
    });
    try {
      const page = await context.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.accept();
      });
      await page.goto(`${sample!.url}/lidex`);
      const row = (id: string) =>
        page.locator(`#workflows tbody tr[data-id="${id}"]`);

      await row('collect-payment-55').getByText('running').click();
      await page
        .locator('#detail .workflow-id', { hasText: 'collect-payment-55' })
        .waitFor();
      await page
        .getByRole('button', { name: 'Terminate', exact: true })
        .click();
      await page
        .locator('#notice', {
          hasText:
            'Terminated collect-payment-55 (cancelled, without compensating).',
        })
        .waitFor();
      await page
        .locator('#detail .detail-header .status', { hasText: 'cancelled' })
        .waitFor({ timeout: 20_000 });
      await row('collect-payment-55').getByText('cancelled').waitFor();
      expect(dialogs).toEqual([
        'Terminate workflow collect-payment-55? It is cancelled without running compensations.',
      ]);
      const terminated = (await (
        await send('/workflows/collect-payment-55')
      ).json()) as { status: string; compensations?: unknown[] };
      expect(terminated.status).toBe('cancelled');
      // Terminated: no refund ran.
      expect(terminated.compensations ?? []).toEqual([]);

      // Ended now: Delete removes it from the list and the store.
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      await page
        .locator('#notice', { hasText: 'Deleted collect-payment-55.' })
        .waitFor();
      await eventually(
        async () => (await row('collect-payment-55').count()) === 0,
        10_000,
        'collect-payment-55 to leave the list',
      );
      expect(dialogs[1]).toBe(
        'Delete workflow collect-payment-55 with its steps and signals? This cannot be undone.',
      );
      expect((await send('/workflows/collect-payment-55')).status).toBe(404);
      expect(await page.locator('#detail .workflow-id').count()).toBe(0);
    } finally {
      await context.close();
    }
  }, 60_000);
});

/** Waits until the status filter shows this count. */
async function countIs(page: Page, status: string, count: string) {
  await page
    .locator(`#counts [data-status="${status}"] .count`, {
      hasText: new RegExp(`^${count}$`),
    })
    .waitFor();
}

/** The detail pane's section headings, as shown. */
function headings(page: Page): Promise<string[]> {
  return page.locator('#detail h3').allTextContents();
}

function colorOf(locator: Locator): Promise<string> {
  const window = globalThis as unknown as {
    getComputedStyle(node: unknown): { color: string };
  };
  return locator.evaluate((node) => window.getComputedStyle(node).color);
}
