import {
  aesGcmCodec,
  InvalidOptionsError,
  LidexEngine,
  type LidexEvent,
  MemoryStore,
  type PayloadCodec,
  type WorkflowContext,
  WorkflowAbortedError,
} from '@lidex/nestjs';
import { messages } from '../../lib/lidex.messages';
import { makeEngine } from '../support/engine-harness';
import { errorsK1 } from '../support/error-codec-case';
import { KEY1 } from '../support/payload-codec-case';

// Error messages encoded by the codec (`errors: true`) beyond a step's: compensations that gave
// up, a child's error surfaced in its parent, lifecycle events; a custom codec; the option.

const rawText = async (store: MemoryStore): Promise<string> => {
  const all = await store.listWorkflows({ limit: 100 });
  return JSON.stringify(
    await Promise.all(all.map((w) => store.getWorkflow(w.id))),
  );
};

const failing = (message: string) => () => {
  throw new Error(message);
};

describe('encrypted error messages', () => {
  it('encrypts a compensation that gave up, and the error it ends the workflow with', async () => {
    const store = new MemoryStore();
    const { engine } = makeEngine(
      {
        order: async (ctx: WorkflowContext) => {
          await ctx.step('reserve', () => 'seat-1', {
            retry: { attempts: 2, initialIntervalMs: 1 },
            compensate: failing('release refused: SECRET-COMP-seat-77'),
          });
          await ctx.step('charge', failing('declined: SECRET-FAIL-card-88'));
        },
      },
      { store, maxFailures: 1, codec: errorsK1() },
    );
    await engine.start('o-1', 'order', null);
    expect(await engine.wait('o-1', { timeoutMs: 10_000 })).toBe('aborted');

    const raw = await rawText(store);
    expect(raw).not.toContain('COMP-seat-77');
    expect(raw).not.toContain('FAIL-card-88');

    const info = await engine.get('o-1');
    expect(info?.error).toMatchObject({
      name: 'CompensationError',
      message: messages.compensationFailedError(
        'release refused: SECRET-COMP-seat-77',
      ),
    });
    const [release] = info!.compensations!;
    expect(release.error).toEqual({
      name: 'Error',
      message: 'release refused: SECRET-COMP-seat-77',
    });
    expect(release.attempts.map((a) => a.error?.message)).toEqual([
      'release refused: SECRET-COMP-seat-77',
      'release refused: SECRET-COMP-seat-77',
    ]);

    // Without the key: described, not thrown.
    const blind = new LidexEngine({ store, handlers: {} });
    const seen = await blind.inspect('o-1');
    expect(seen?.error?.message).toBe(messages.payloadEncrypted('k1'));
    expect(seen?.compensations?.[0].error?.message).toBe(
      messages.payloadEncrypted('k1'),
    );
  });

  it('encrypts a child’s error in the parent that failed with it, and shows it with the key', async () => {
    const store = new MemoryStore();
    const { engine } = makeEngine(
      {
        parent: (ctx: WorkflowContext) =>
          ctx.executeChild('refund', 'child', null),
        child: async (ctx: WorkflowContext) => {
          await ctx.step(
            'refund',
            failing('refund failed: SECRET-CHILD-iban-99'),
          );
        },
      },
      { store, maxFailures: 1, codec: errorsK1() },
    );
    await engine.start('p-1', 'parent', null);
    const ended = await engine
      .result('p-1', { timeoutMs: 10_000 })
      .catch((error: unknown) => error);
    expect(ended).toBeInstanceOf(WorkflowAbortedError);
    expect((ended as WorkflowAbortedError).error.message).toContain(
      'refund failed: SECRET-CHILD-iban-99',
    );
    expect((await engine.get('p-1/refund'))?.error?.message).toBe(
      'refund failed: SECRET-CHILD-iban-99',
    );
    expect(await rawText(store)).not.toContain('CHILD-iban-99');
    const [listed] = (await engine.list({ status: 'aborted', name: 'parent' }))
      .workflows;
    expect(listed.error?.message).toContain('SECRET-CHILD-iban-99');
  });

  it('tells lifecycle events the error itself (events are not stored)', async () => {
    const { engine } = makeEngine(
      {
        pay: (ctx: WorkflowContext) => ctx.step('x', failing('SECRET-EVENT-1')),
      },
      { maxFailures: 1, codec: errorsK1() },
    );
    const events: LidexEvent[] = [];
    const stop = engine.events.subscribe((event) => events.push(event));
    await engine.start('e-1', 'pay', null);
    expect(await engine.wait('e-1', { timeoutMs: 10_000 })).toBe('aborted');
    stop();
    expect(events.find((e) => e.type === 'step-failed')).toMatchObject({
      error: { message: 'SECRET-EVENT-1' },
    });
    expect(events.find((e) => e.type === 'aborted')).toMatchObject({
      error: { message: 'SECRET-EVENT-1' },
    });
  });

  it('stores errors as they are when the codec does not encode them', async () => {
    const store = new MemoryStore();
    const { engine } = makeEngine(
      {
        pay: (ctx: WorkflowContext) => ctx.step('x', failing('VISIBLE-ERR-2')),
      },
      {
        store,
        maxFailures: 1,
        codec: aesGcmCodec({ keys: { k1: KEY1 }, current: 'k1' }),
      },
    );
    await engine.start('v-1', 'pay', null);
    expect(await engine.wait('v-1', { timeoutMs: 10_000 })).toBe('aborted');
    const stored = await store.getWorkflow('v-1');
    expect(stored?.error?.message).toBe('VISIBLE-ERR-2');
    expect(stored?.error).not.toHaveProperty('encoded');
    expect(stored?.steps[0].result).toBe(
      JSON.stringify({ name: 'Error', message: 'VISIBLE-ERR-2' }),
    );
  });

  it('encodes errors with a custom codec that asks for it, described without it', async () => {
    const base64: PayloadCodec = {
      errors: true,
      encode: (text) => `b64:${Buffer.from(text).toString('base64')}`,
      decode: (stored) =>
        stored.startsWith('b64:')
          ? Buffer.from(stored.slice(4), 'base64').toString()
          : stored,
    };
    const store = new MemoryStore();
    const { engine } = makeEngine(
      { pay: (ctx: WorkflowContext) => ctx.step('x', failing('SECRET-B64-3')) },
      { store, maxFailures: 1, codec: base64 },
    );
    await engine.start('c-1', 'pay', null);
    expect(await engine.wait('c-1', { timeoutMs: 10_000 })).toBe('aborted');
    expect(await rawText(store)).not.toContain('SECRET-B64-3');
    expect((await engine.get('c-1'))?.error?.message).toBe('SECRET-B64-3');
    const blind = new LidexEngine({ store, handlers: {} });
    expect((await blind.inspect('c-1'))?.error?.message).toBe(
      messages.payloadUndecodable(),
    );
  });

  it('refuses an errors option that is not a boolean', () => {
    expect(() =>
      aesGcmCodec({
        keys: { k1: KEY1 },
        current: 'k1',
        errors: 'yes' as never,
      }),
    ).toThrow(
      new InvalidOptionsError(
        'aesGcmCodec() errors',
        'yes',
        messages.aesGcmErrorsOption(),
      ),
    );
    expect(
      () =>
        new LidexEngine({
          store: new MemoryStore(),
          handlers: {},
          codec: { encode: String, decode: String, errors: 1 } as never,
        }),
    ).toThrow(InvalidOptionsError);
  });
});
