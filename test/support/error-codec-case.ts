import { randomBytes } from 'node:crypto';
import {
  aesGcmCodec,
  LidexEngine,
  type PayloadCodec,
  type Persistence,
  type WorkflowContext,
  WorkflowAbortedError,
} from '@lidex/nestjs';
import { messages } from '../../lib/lidex.messages';
import { eventually } from './eventually';
import { type CodecCaseStores, KEY1, KEY2 } from './payload-codec-case';

/** What the raw store must not hold: the part of the error message after `SECRET-`. */
export const ERROR_SECRET = 'SECRET-ERROR-tok_live_987';
export const ERROR_MESSAGE = `card declined: ${ERROR_SECRET}`;

/** Encrypts error messages and stacks too. */
export const errorsK1 = (): PayloadCodec =>
  aesGcmCodec({ keys: { k1: KEY1 }, current: 'k1', errors: true });
export const errorsK2 = (): PayloadCodec =>
  aesGcmCodec({ keys: { k2: KEY2, k1: KEY1 }, current: 'k2', errors: true });

export class CardDeclinedError extends Error {
  override name = 'CardDeclinedError';
}

export const errorHandlers = {
  // Each run: the step fails twice (two attempts), so the workflow fails; at its second failure
  // (maxFailures 2) it is aborted.
  'codec-declined': async (ctx: WorkflowContext) => {
    await ctx.step(
      'charge',
      () => {
        throw new CardDeclinedError(ERROR_MESSAGE);
      },
      { retry: { attempts: 2, initialIntervalMs: 1 } },
    );
  },
};

const engines: LidexEngine[] = [];
const opened: Persistence[] = [];

const engine = (store: Persistence, codec?: PayloadCodec, worker = false) => {
  const made = new LidexEngine({
    store,
    handlers: errorHandlers,
    pollIntervalMs: 20,
    maxFailures: 2,
    // Long enough for the first process to stop between the two failures.
    retryIntervalMs: 1_500,
    retryBackoffCoefficient: 1,
    ...(codec ? { codec } : {}),
  });
  engines.push(made);
  if (worker) made.startWorker();
  return made;
};

/**
 * On one store: a step whose error message holds a secret fails every attempt, the workflow fails
 * once, the process restarts (k2 now current) and the workflow is aborted at its second failure.
 * With the key, `get()` and `result()` show the message; the raw store never holds it; a reader
 * without the key sees `encrypted (key k1)` in its place, and nothing throws.
 */
export function errorCodecCases(label: string, stores: CodecCaseStores) {
  describe(`encrypted errors on ${label}`, () => {
    afterEach(async () => {
      await Promise.all(engines.splice(0).map((e) => e.stopWorker()));
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });
    afterAll(() => stores.cleanup());

    it('keeps a failed step’s error out of the store, shows it with the key, and replays the failure after a restart', async () => {
      const first = await stores.create();
      opened.push(first);
      const before = engine(first, errorsK1(), true);
      await before.start('declined-1', 'codec-declined', {});
      await eventually(
        async () => (await before.get('declined-1'))?.failures === 1,
        20_000,
        'declined-1 to fail once',
      );
      await before.stopWorker();

      const second = await stores.reopen();
      if (second !== first) opened.push(second);
      const after = engine(second, errorsK2(), true);
      const ended = await after
        .result('declined-1', { timeoutMs: 20_000 })
        .catch((error: unknown) => error);
      expect(ended).toBeInstanceOf(WorkflowAbortedError);
      const aborted = ended as WorkflowAbortedError;
      expect(aborted.error.name).toBe('CardDeclinedError');
      expect(aborted.error.message).toBe(ERROR_MESSAGE);
      expect(aborted.message).toContain(ERROR_MESSAGE);

      const info = await after.get('declined-1');
      expect(info?.status).toBe('aborted');
      expect(info?.failures).toBe(2);
      expect(info?.error?.message).toBe(ERROR_MESSAGE);
      expect(info?.error?.stack).toContain(ERROR_MESSAGE);
      // Two attempts in each of the two runs, the second run's after the restart.
      const charge = info?.steps.find((s) => s.id === 'charge');
      expect(charge?.attempts?.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
      for (const attempt of charge!.attempts!)
        expect(attempt.error).toEqual({
          name: 'CardDeclinedError',
          message: ERROR_MESSAGE,
        });
      const [summary] = (await after.list({ status: 'aborted' })).workflows;
      expect(summary.error?.message).toBe(ERROR_MESSAGE);

      const raw = await stores.rawText();
      expect(raw).not.toContain(ERROR_SECRET.slice('SECRET-'.length));
      expect(raw).toContain('aes256gcm:k1:');
      expect(raw).toContain('aes256gcm:k2:');
      // The error's class name stays plain (documented).
      expect(raw).toContain('CardDeclinedError');

      // A process without the key: the marker in place of the message, never a crash.
      const encrypted = messages.payloadEncrypted('k2');
      for (const reader of [
        engine(second),
        engine(
          second, // A wrong key under the id k2, and no k1.
          aesGcmCodec({ keys: { k2: randomBytes(32) }, current: 'k2' }),
        ),
      ]) {
        const seen = await reader.inspect('declined-1');
        expect(seen?.error).toEqual({
          name: 'CardDeclinedError',
          message: encrypted,
        });
        const attempts = seen?.steps.find((s) => s.id === 'charge')?.attempts;
        expect(attempts?.map((a) => a.error?.message)).toEqual([
          messages.payloadEncrypted('k1'),
          messages.payloadEncrypted('k1'),
          encrypted,
          encrypted,
        ]);
        const [listed] = (await reader.list({ status: 'aborted' })).workflows;
        expect(listed.error?.message).toBe(encrypted);
        const rejected = await reader
          .result('declined-1', { timeoutMs: 5_000 })
          .catch((error: unknown) => error);
        expect(rejected).toBeInstanceOf(WorkflowAbortedError);
        expect((rejected as WorkflowAbortedError).error.message).toBe(
          encrypted,
        );
      }
    }, 60_000);
  });
}
