import { randomBytes } from 'node:crypto';
import {
  aesGcmCodec,
  InvalidOptionsError,
  LidexEngine,
  MemoryStore,
  PayloadCodecError,
  WorkflowAbortedError,
  type PayloadCodec,
  type WorkflowContext,
} from '@lidex/nestjs';
import { messages } from '../../lib/lidex.messages';
import { makeEngine } from '../support/engine-harness';

const k1 = randomBytes(32);
const k2 = randomBytes(32);

describe('the AES-256-GCM payload codec', () => {
  const codec = aesGcmCodec({ keys: { k1 }, current: 'k1' });

  it('encrypts each value with a fresh IV, names its key, and decrypts it', () => {
    const a = codec.encode('{"card":"4111"}');
    const b = codec.encode('{"card":"4111"}');
    expect(a).toMatch(/^aes256gcm:k1:/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('4111');
    expect(codec.decode(a)).toBe('{"card":"4111"}');
    expect(codec.describe?.(a)).toBe(messages.payloadEncrypted('k1'));
  });

  it('hands plain JSON (stored before encryption) back unchanged', () => {
    for (const plain of ['{"a":1}', '"text"', '12', 'null', 'true', '[1]'])
      expect(codec.decode(plain)).toBe(plain);
  });

  it('refuses a value edited in the store rather than decoding it wrong', () => {
    const sealed = codec.encode('"amount: 100"');
    const parts = sealed.split(':');
    const body = Buffer.from(parts[4], 'base64');
    body[0] ^= 1;
    parts[4] = body.toString('base64');
    expect(() => codec.decode(parts.join(':'))).toThrow(
      new PayloadCodecError(messages.payloadKeyWrong('k1')),
    );
    expect(() => codec.decode('aes256gcm:k1:nope')).toThrow(
      messages.payloadMalformed(),
    );
  });

  it('refuses keys of the wrong length, a current key not listed, and bad key ids, without showing the key', () => {
    expect(() =>
      aesGcmCodec({ keys: { k1: 'c2hvcnQ=' }, current: 'k1' }),
    ).toThrow(
      new InvalidOptionsError(
        'aesGcmCodec() keys.k1',
        '(key not shown)',
        messages.aesGcmKeyLength('k1', 5),
      ),
    );
    expect(() => aesGcmCodec({ keys: { k1 }, current: 'k2' })).toThrow(
      messages.aesGcmCurrentUnknown(['k1']),
    );
    expect(() => aesGcmCodec({ keys: { 'k:1': k1 }, current: 'k:1' })).toThrow(
      messages.aesGcmKeyIdInvalid(),
    );
    // Keys from the environment: base64 or hex text.
    const fromEnv = aesGcmCodec({
      keys: { b: k1.toString('base64'), h: k1.toString('hex') },
      current: 'b',
    });
    expect(fromEnv.decode(codec.encode('"x"').replace(':k1:', ':h:'))).toBe(
      '"x"',
    );
  });

  it('refuses an engine option that is not a codec when the engine is built', () => {
    expect(
      () =>
        new LidexEngine({
          store: new MemoryStore(),
          codec: { encode: 'no' } as unknown as PayloadCodec,
        }),
    ).toThrow(
      new InvalidOptionsError('codec', { encode: 'no' }, messages.notACodec()),
    );
  });
});

describe('a worker without the key', () => {
  it('fails that workflow with an error naming the key, and runs the others', async () => {
    const store = new MemoryStore();
    const handlers = {
      card: async (ctx: WorkflowContext, input: unknown) =>
        ctx.step('charge', () => input),
    };
    const writer = makeEngine(handlers, {
      store,
      worker: false,
      codec: aesGcmCodec({ keys: { k1 }, current: 'k1' }),
    });
    await writer.engine.start('old-key', 'card', { card: '4111' });
    // A worker deployed with k1 dropped too early: only k2.
    const { engine, logger } = makeEngine(handlers, {
      store,
      maxFailures: 1,
      codec: aesGcmCodec({ keys: { k2 }, current: 'k2' }),
    });
    await engine.start('new-key', 'card', { card: '5500' });
    await expect(engine.result('new-key')).resolves.toEqual({ card: '5500' });
    const failure = engine.result('old-key');
    await expect(failure).rejects.toBeInstanceOf(WorkflowAbortedError);
    await expect(failure).rejects.toMatchObject({
      error: { message: messages.payloadKeyMissing('k1', ['k2']) },
    });
    // Its input is still there, encrypted, for a worker with k1 to retry.
    expect((await engine.inspect('old-key'))?.input).toBe(
      messages.payloadEncrypted('k1'),
    );
    expect(JSON.stringify(logger.lines)).not.toContain('4111');
  });
});

describe('schedules with a payload codec', () => {
  it("keeps a schedule's input encrypted, starts its workflows with it decrypted", async () => {
    const store = new MemoryStore();
    const handlers = {
      card: async (ctx: WorkflowContext, input: unknown) =>
        ctx.step('charge', () => input),
    };
    const { engine } = makeEngine(handlers, {
      store,
      codec: aesGcmCodec({ keys: { k1 }, current: 'k1' }),
    });
    const input = { card: '4111-nightly' };
    await engine.schedules.create('nightly', {
      workflow: 'card',
      every: 3_600_000,
      input,
    });
    const saved = await store.schedules.getSchedule('nightly');
    expect(JSON.stringify(saved)).not.toContain('4111');
    expect((await engine.schedules.get('nightly'))?.input).toEqual(input);
    const started = await engine.schedules.trigger('nightly');
    await expect(engine.result(started)).resolves.toEqual(input);
    // A process without the key lists the schedule with its input described.
    const { engine: plain } = makeEngine(handlers, { store, worker: false });
    expect((await plain.schedules.get('nightly'))?.input).toBe(
      messages.payloadEncrypted('k1'),
    );
  });
});
