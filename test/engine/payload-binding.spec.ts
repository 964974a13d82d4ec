import { createCipheriv, randomBytes } from 'node:crypto';
import {
  aesGcmCodec,
  MemoryStore,
  PayloadCodecError,
  type PayloadCodec,
  type WorkflowContext,
} from '@lidex/nestjs';
import { messages } from '../../lib/lidex.messages';
import { makeEngine } from '../support/engine-harness';
import { eventually } from '../support/eventually';

// The AES-GCM codec binds each value to its place (workflow and field) as GCM's additional
// authenticated data; values written before binding existed still read.

const k1 = randomBytes(32);
const codec = aesGcmCodec({ keys: { k1 }, current: 'k1' });
const inputOfA = { workflowId: 'a', field: 'input' } as const;

/** A value as the codec wrote it before binding: `aes256gcm:<key>:<iv>:<tag>:<ciphertext>`. */
function unboundValue(text: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', k1, iv);
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return `aes256gcm:k1:${iv.toString('base64')}:${tag.toString('base64')}:${body.toString('base64')}`;
}

describe('an encrypted value bound to its workflow and field', () => {
  it('decrypts where it was written, and nowhere else', () => {
    const sealed = codec.encode('{"card":"4111"}', inputOfA);
    expect(sealed).toMatch(/^aes256gcm:2:k1:/);
    expect(codec.decode(sealed, inputOfA)).toBe('{"card":"4111"}');
    expect(codec.describe?.(sealed)).toBe(messages.payloadEncrypted('k1'));
    const elsewhere = [
      { workflowId: 'b', field: 'input' },
      { workflowId: 'a', field: 'result' },
      { workflowId: 'a', field: 'step', name: 'charge' },
      { workflowId: 'a', field: 'signal', name: 'go' },
      { scheduleId: 'a', field: 'schedule-input' },
    ] as const;
    for (const context of elsewhere) {
      let thrown: unknown;
      try {
        codec.decode(sealed, context);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toEqual(
        new PayloadCodecError(messages.payloadBoundElsewhere('k1', context)),
      );
      expect((thrown as PayloadCodecError).misplaced).toBe(true);
    }
    expect(() => codec.decode(sealed)).toThrow(
      new PayloadCodecError(messages.payloadNeedsContext('k1')),
    );
  });

  it('authenticates the place itself: an edited place digest fails as a wrong key does', () => {
    const sealed = codec.encode('"x"', { workflowId: 'a', field: 'input' });
    const b = codec.encode('"x"', { workflowId: 'b', field: 'input' });
    const parts = sealed.split(':');
    parts[3] = b.split(':')[3];
    expect(() =>
      codec.decode(parts.join(':'), { workflowId: 'b', field: 'input' }),
    ).toThrow(new PayloadCodecError(messages.payloadKeyWrong('k1')));
  });

  it('still reads a value written before binding (no version tag), at any place', () => {
    const old = unboundValue('{"card":"4111"}');
    expect(codec.decode(old, inputOfA)).toBe('{"card":"4111"}');
    expect(codec.decode(old)).toBe('{"card":"4111"}');
    expect(codec.describe?.(old)).toBe(messages.payloadEncrypted('k1'));
  });

  it('runs a workflow whose values an earlier version wrote unbound, and a custom codec that ignores the context', async () => {
    const store = new MemoryStore();
    // What an engine before binding stored: the same codec, called without a context.
    const earlier: PayloadCodec = {
      encode: (text) => codec.encode(text),
      decode: (stored) => codec.decode(stored),
    };
    const handlers = {
      'old-card': async (ctx: WorkflowContext, input: unknown) => {
        const charged = await ctx.step('charge', () => ({ input }));
        await ctx.waitForSignal('go', 'go');
        return charged;
      },
    };
    const before = makeEngine(handlers, { store, codec: earlier });
    await before.engine.start('old-1', 'old-card', { card: '4111' });
    await eventually(
      async () => (await before.engine.get('old-1'))?.waitingFor !== undefined,
      10_000,
      'old-1 to wait',
    );
    const stored = await store.getWorkflow('old-1');
    expect(stored?.input).toMatch(/^aes256gcm:k1:/);
    await before.engine.stopWorker();

    const after = makeEngine(handlers, { store, codec });
    await after.engine.signal('old-1', 'go', { ok: true });
    expect(await after.engine.result('old-1', { timeoutMs: 10_000 })).toEqual({
      input: { card: '4111' },
    });
    // The earlier engine (a codec ignoring the context) reads what it wrote itself.
    await after.engine.stopWorker();
    const again = makeEngine(handlers, { store, codec: earlier });
    await again.engine.start('old-2', 'old-card', { card: '5555' });
    await again.engine.signal('old-2', 'go', null);
    expect(await again.engine.result('old-2', { timeoutMs: 10_000 })).toEqual({
      input: { card: '5555' },
    });
  }, 30_000);

  it("binds a signal to its workflow and name, a child's end to its parent, a schedule's input to the schedule", async () => {
    const handlers = {
      parent: async (ctx: WorkflowContext) => {
        const signal = await ctx.waitForSignal('go', 'go');
        const child = await ctx.executeChild('kid', 'child', signal);
        return { child };
      },
      child: (_ctx: WorkflowContext, input: unknown) =>
        Promise.resolve({ echoed: input }),
    };
    const { engine, store } = makeEngine(handlers, { codec });
    await engine.start('p-1', 'parent', null);
    await engine.signal('p-1', 'go', { token: 't' });
    expect(await engine.result('p-1', { timeoutMs: 10_000 })).toEqual({
      child: { echoed: { token: 't' } },
    });
    const parent = await store.getWorkflow('p-1');
    const go = parent!.signals.find((s) => s.name === 'go')!;
    expect(
      codec.decode(go.payload, {
        workflowId: 'p-1',
        field: 'signal',
        name: 'go',
      }),
    ).toBe('{"token":"t"}');
    expect(() =>
      codec.decode(go.payload, {
        workflowId: 'p-2',
        field: 'signal',
        name: 'go',
      }),
    ).toThrow(PayloadCodecError);
    const end = parent!.signals.find((s) => s.name !== 'go')!;
    expect(end.name).toMatch(/^lidex:child:/);
    expect(() =>
      codec.decode(end.payload, {
        workflowId: 'p-1',
        field: 'signal',
        name: end.name,
      }),
    ).not.toThrow();
    // The dashboard's view of the parent decodes every bound value in its place.
    expect(JSON.stringify(await engine.inspect('p-1'))).not.toContain(
      'encrypted',
    );

    await engine.schedules.create('nightly', {
      workflow: 'child',
      input: { night: 1 },
      every: 3_600_000,
    });
    const saved = await store.schedules!.getSchedule('nightly');
    const { input } = JSON.parse(saved!.definition) as { input: string };
    expect(
      codec.decode(input, { scheduleId: 'nightly', field: 'schedule-input' }),
    ).toBe('{"night":1}');
    expect((await engine.schedules.get('nightly'))?.input).toEqual({
      night: 1,
    });
    // Each tick's workflow gets the input encoded for itself.
    const tick = await engine.schedules.trigger('nightly');
    expect(await engine.result(tick, { timeoutMs: 10_000 })).toEqual({
      echoed: { night: 1 },
    });
    const started = await store.getWorkflow(tick);
    expect(
      codec.decode(started!.input, { workflowId: tick, field: 'input' }),
    ).toBe('{"night":1}');
  }, 30_000);
});
