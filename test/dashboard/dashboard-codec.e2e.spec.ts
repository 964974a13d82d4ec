import { LidexModule } from '@lidex/nestjs';
import { messages } from '../../lib/lidex.messages';
import { sqliteStoreFactory } from '../support/store-factories';
import { codecK1 } from '../support/payload-codec-case';
import { errorsK1 } from '../support/error-codec-case';
import {
  DashboardFixtureModule,
  Provider,
  lidexWith,
  listen,
  type RunningApp,
} from './fixtures/dashboard.fixture';

// Encrypted payloads on the dashboard: decrypted where the dashboard's process has the key,
// shown as "encrypted (key k1)" where it does not.

const sqlite = sqliteStoreFactory();
const apps: RunningApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((running) => running.app.close()));
});
afterAll(() => sqlite.cleanup());

interface WorkflowJson {
  input: unknown;
  result: unknown;
  steps: { id: string; result?: unknown }[];
}

const workflowJson = async (running: RunningApp, id: string) => {
  const response = await running.get(`/lidex/api/workflow?id=${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as WorkflowJson;
};

describe('dashboard with a payload codec (SQLite)', () => {
  it('shows values decrypted with the key, and as encrypted (key k1) without it', async () => {
    const writer = await listen(
      lidexWith(await sqlite.create(), true, { codec: codecK1() }),
    );
    apps.push(writer);
    await writer.client.start('greet-1', 'greet', { name: 'Ada Lovelace' });
    await expect(writer.client.result('greet-1')).resolves.toBe(
      'Hello, Ada Lovelace!',
    );
    const decrypted = await workflowJson(writer, 'greet-1');
    expect(decrypted.input).toEqual({ name: 'Ada Lovelace' });
    expect(decrypted.result).toBe('Hello, Ada Lovelace!');

    // A dashboard-only process over the same file, without the key.
    const reader = await listen(
      lidexWith(await sqlite.reopen(), true, { clientOnly: true }),
    );
    apps.push(reader);
    const shown = await workflowJson(reader, 'greet-1');
    const encrypted = messages.payloadEncrypted('k1');
    expect(shown.input).toBe(encrypted);
    expect(shown.result).toBe(encrypted);
    expect(shown.steps.find((s) => s.id === 'compose')?.result).toBe(encrypted);
    await expect(reader.client.get('greet-1')).rejects.toThrow(
      messages.payloadNeedsCodec('k1'),
    );
  });

  it('shows an encrypted error decrypted with the key, and as encrypted (key k1) without it', async () => {
    const persistence = await sqlite.create();
    const writer = await listen(
      lidexWith(persistence, true, { codec: errorsK1() }),
    );
    apps.push(writer);
    writer.app.get(Provider).down = true;
    await writer.client.start('charge-1', 'charge', 42);
    await expect(writer.client.result('charge-1')).rejects.toThrow(
      'payment provider is down',
    );
    expect(
      JSON.stringify(await persistence.getWorkflow('charge-1')),
    ).not.toContain('provider is down');
    const errorOf = async (running: RunningApp) =>
      (
        (await workflowJson(running, 'charge-1')) as unknown as {
          error: { name: string; message: string };
        }
      ).error;
    expect(await errorOf(writer)).toMatchObject({
      name: 'Error',
      message: 'payment provider is down',
    });

    const reader = await listen(
      lidexWith(await sqlite.reopen(), true, { clientOnly: true }),
    );
    apps.push(reader);
    expect(await errorOf(reader)).toEqual({
      name: 'Error',
      message: messages.payloadEncrypted('k1'),
    });
  });

  it('takes the codec from forRootAsync', async () => {
    const persistence = await sqlite.create();
    const running = await listen([
      LidexModule.forRootAsync({
        useFactory: () => ({
          persistence,
          pollIntervalMs: 10,
          codec: codecK1(),
        }),
      }),
      DashboardFixtureModule,
    ]);
    apps.push(running);
    await running.client.start('greet-2', 'greet', { name: 'Grace' });
    await expect(running.client.result('greet-2')).resolves.toBe(
      'Hello, Grace!',
    );
    const stored = await persistence.getWorkflow('greet-2');
    expect(stored?.input).toMatch(/^aes256gcm:2:k1:/);
    expect(stored?.result).toMatch(/^aes256gcm:2:k1:/);
  });
});
