import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { messages } from '../../lib/lidex.messages';
import { eventually } from '../support/eventually';
import { dropTestDatabases, mongoUrl, testDatabase } from '../support/mongo';
import { tempDir } from '../support/temp-dir';

const MAIN = join(__dirname, '../../dist-sample/main.js');

interface RunningSample {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  output: () => string;
}

/** Starts the compiled sample app, as `npm start` does, on a free port. */
async function startSample(
  storeEnv: Record<string, string>,
): Promise<RunningSample> {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      PORT: '0',
      NO_COLOR: '1',
      LIDEX_MONGO_URL: '',
      ...storeEnv,
      PAYMENT_RETRY_DELAY_MS: '1500',
      CAPTURE_DELAY_MS: '200',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => resolve(code)),
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1].replace('[::1]', 'localhost'));
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) =>
      reject(new Error(`sample exited with ${code}:\n${output}`)),
    );
  });
  return { child, url, exited, output: () => output };
}

interface WorkflowJson {
  workflowId: string;
  started: boolean;
  status: string;
  result: unknown;
  steps: { id: string }[];
}

async function json(url: string, init?: RequestInit): Promise<WorkflowJson> {
  const response = await fetch(url, init);
  return (await response.json()) as WorkflowJson;
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

afterAll(async () => {
  await dropTestDatabases();
  dir.remove();
});

describe.each(stores)(
  'sample app on $label (compiled, in its own process)',
  ({ env }) => {
    beforeAll(() => {
      if (!existsSync(MAIN))
        throw new Error(
          'Build the sample first: npm run build:sample (npm test does).',
        );
    });

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

      const done42 = await eventually(async () => {
        const wf = await json(`${sample.url}/workflows/collect-payment-42`);
        return wf.status === 'finished' ? wf : undefined;
      });
      expect(done42.result).toEqual({ outcome: 'paid', attempts: 1 });
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
        blockWorkflowId: 'block-account-acc-13',
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
      ]);
      const blocked = await eventually(async () => {
        const wf = await json(`${sample.url}/workflows/block-account-acc-13`);
        return wf.status === 'finished' ? wf : undefined;
      });
      expect(blocked.result).toEqual({ blocked: 'acc-13' });

      const missing = await fetch(`${sample.url}/workflows/nope`);
      expect(missing.status).toBe(404);

      // Nest's shutdown hooks close the app, then re-raise the signal.
      sample.child.kill('SIGTERM');
      await sample.exited;
      expect(sample.child.signalCode).toBe('SIGTERM');
      expect(sample.output()).toContain(messages.workerStopped());
    }, 60_000);
  },
);
