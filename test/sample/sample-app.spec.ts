import { join } from 'node:path';
import { messages } from '../../lib/lidex.messages';
import { eventually } from '../support/eventually';
import { dropTestDatabases, mongoUrl, testDatabase } from '../support/mongo';
import { dropTestTables, mysqlUrl, testPrefix } from '../support/mysql';
import { dropTestSchemas, postgresUrl, testSchema } from '../support/postgres';
import {
  type RunningSample,
  startSample as startSampleWith,
} from '../support/sample-process';
import { tempDir } from '../support/temp-dir';

const startSample = (storeEnv: Record<string, string>) =>
  startSampleWith({
    ...storeEnv,
    PAYMENT_RETRY_DELAY_MS: '1500',
    CAPTURE_DELAY_MS: '200',
  });

interface WorkflowJson {
  workflowId: string;
  started: boolean;
  status: string;
  result: unknown;
  steps: { id: string }[];
  waitingFor?: { name?: string };
  signals?: unknown[];
  delivered?: boolean;
  parent?: unknown;
  compensations?: unknown[];
}

async function json(url: string, init?: RequestInit): Promise<WorkflowJson> {
  const response = await fetch(url, init);
  return (await response.json()) as WorkflowJson;
}

/** SIGTERM, then SIGKILL if the sample has not exited within `ms`. */
async function stopWithin(sample: RunningSample, ms: number): Promise<void> {
  sample.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  const outcome = await Promise.race([sample.exited, late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    sample.child.kill('SIGKILL');
    await sample.exited;
  }
}

const dir = tempDir('lidex-sample-');
const stores: { label: string; env: Record<string, string> }[] = [
  {
    label: 'SQLite',
    env: { LIDEX_SQLITE_PATH: join(dir.path, 'sample.sqlite') },
  },
];
if (mongoUrl) {
  stores.push({
    label: 'MongoDB',
    env: { LIDEX_MONGO_URL: mongoUrl, LIDEX_MONGO_DATABASE: testDatabase() },
  });
}

if (postgresUrl) {
  stores.push({
    label: 'PostgreSQL',
    env: {
      LIDEX_POSTGRES_URL: postgresUrl,
      LIDEX_POSTGRES_SCHEMA: testSchema(),
    },
  });
}

if (mysqlUrl) {
  stores.push({
    label: 'MySQL',
    env: { LIDEX_MYSQL_URL: mysqlUrl, LIDEX_MYSQL_TABLE_PREFIX: testPrefix() },
  });
}

afterAll(async () => {
  await dropTestDatabases();
  await dropTestSchemas();
  await dropTestTables();
  dir.remove();
});

describe.each(stores)(
  'sample app on $label (compiled, in its own process)',
  ({ env }) => {
    it('collects invoices, resumes a payment after SIGKILL, and shuts down cleanly on SIGTERM', async () => {
      let sample = await startSample(env);

      const paid = await json(`${sample.url}/invoices/42/collect`, {
        method: 'POST',
      });
      expect(paid).toEqual({ workflowId: 'collect-payment-42', started: true });
      const declined = await json(`${sample.url}/invoices/13/collect`, {
        method: 'POST',
      });
      expect(declined.workflowId).toBe('collect-payment-13');

      // The payment provider confirms the capture by webhook; the workflow waits for it.
      await eventually(async () => {
        const wf = await json(`${sample.url}/workflows/collect-payment-42`);
        return wf.waitingFor?.name === 'payment-confirmed';
      });
      const webhook = (deliveryId: string) =>
        json(`${sample.url}/webhooks/payments/42`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-delivery-id': deliveryId,
          },
          body: JSON.stringify({ status: 'succeeded' }),
        });
      expect(await webhook('delivery-1')).toEqual({ delivered: true });
      const done42 = await eventually(async () => {
        const wf = await json(`${sample.url}/workflows/collect-payment-42`);
        return wf.status === 'finished' ? wf : undefined;
      });
      expect(done42.result).toEqual({ outcome: 'paid', attempts: 1 });
      expect(done42.signals).toMatchObject([
        { name: 'payment-confirmed', consumedBy: 'confirmation-0' },
      ]);
      // Delivered again by the provider: answered, not stored twice; the workflow has ended.
      expect(await webhook('delivery-1')).toEqual({ delivered: true });
      expect(await webhook('delivery-2')).toEqual({ delivered: false });
      const unknown = await fetch(`${sample.url}/webhooks/payments/999`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'succeeded' }),
      });
      expect(unknown.status).toBe(404);
      expect(
        await json(`${sample.url}/invoices/42/collect`, { method: 'POST' }),
      ).toEqual({
        workflowId: 'collect-payment-42',
        started: false,
      });

      // Kill the app mid-workflow, asleep between payment attempts.
      await eventually(async () => {
        const wf = await json(`${sample.url}/workflows/collect-payment-13`);
        return wf.steps.at(-1)?.id === 'sleep-1';
      });
      sample.child.kill('SIGKILL');
      await sample.exited;

      sample = await startSample(env);
      const done13 = await eventually(
        async () => {
          const wf = await json(`${sample.url}/workflows/collect-payment-13`);
          return wf.status === 'finished' ? wf : undefined;
        },
        30_000,
        'collect-payment-13 to finish after the restart',
      );
      expect(done13.result).toEqual({
        outcome: 'account-blocked',
        blockWorkflowId: 'collect-payment-13-block-account',
        blocked: 'acc-13',
      });
      expect(done13.steps.map((s) => s.id)).toEqual([
        'find-invoice',
        'find-account',
        'capture-payment-0',
        'sleep-0',
        'capture-payment-1',
        'sleep-1',
        'capture-payment-2',
        'sleep-2',
        'block-account',
        'block-account.result',
      ]);
      const blocked = await eventually(async () => {
        const wf = await json(
          `${sample.url}/workflows/collect-payment-13-block-account`,
        );
        return wf.status === 'finished' ? wf : undefined;
      });
      expect(blocked.result).toEqual({ blocked: 'acc-13' });
      expect(blocked.parent).toEqual({
        workflowId: 'collect-payment-13',
        parentClose: 'cancel',
      });

      const missing = await fetch(`${sample.url}/workflows/nope`);
      expect(missing.status).toBe(404);

      // Nest's shutdown hooks close the app, then re-raise the signal.
      sample.child.kill('SIGTERM');
      await sample.exited;
      expect(sample.child.signalCode).toBe('SIGTERM');
      expect(sample.output()).toContain(messages.workerStopped());
    }, 60_000);

    it('compensates a collection cancelled after its capture: the capture is compensated, no refund since it was never confirmed', async () => {
      const sample = await startSample(env);
      try {
        await json(`${sample.url}/invoices/7/collect`, { method: 'POST' });
        await eventually(async () => {
          const wf = await json(`${sample.url}/workflows/collect-payment-7`);
          return wf.waitingFor?.name === 'payment-confirmed';
        });
        // Cancelled from the dashboard (open without a password outside production).
        const cancel = await fetch(
          `${sample.url}/lidex/api/workflows/collect-payment-7/cancel`,
          { method: 'POST', headers: { 'x-lidex-dashboard': '1' } },
        );
        expect(await cancel.json()).toEqual({ cancelled: true });
        const cancelled = await eventually(
          async () => {
            const wf = await json(`${sample.url}/workflows/collect-payment-7`);
            return wf.status === 'cancelled' ? wf : undefined;
          },
          20_000,
          'collect-payment-7 to be compensated, then cancelled',
        );
        expect(cancelled.compensations).toEqual([
          expect.objectContaining({
            stepId: 'capture-payment-0',
            status: 'compensated',
          }),
        ]);
        expect(sample.output()).not.toContain('Refund of');
      } finally {
        await stopWithin(sample, 10_000);
      }
    }, 60_000);
  },
);
