import { randomBytes } from 'node:crypto';
import {
  aesGcmCodec,
  LidexEngine,
  PayloadCodecError,
  type Persistence,
  type PayloadCodec,
  type WorkflowContext,
} from '@lidex/nestjs';
import { messages } from '../../lib/lidex.messages';
import { eventually } from './eventually';

/** The plaintexts a codec must keep out of the store, one per kind of value. */
export const SECRETS = {
  input: 'SECRET-INPUT-4111111111111111',
  step: 'SECRET-STEP-tok_live_123',
  signal: 'SECRET-SIGNAL-otp-9876',
  child: 'SECRET-CHILD-receipt-55',
  output: 'SECRET-OUTPUT-paid-42',
};

export const KEY1 = randomBytes(32);
export const KEY2 = randomBytes(32).toString('base64');

export const codecK1 = (): PayloadCodec =>
  aesGcmCodec({ keys: { k1: KEY1 }, current: 'k1' });
/** After the rotation: k2 encrypts, k1 still decrypts. */
export const codecK2 = (): PayloadCodec =>
  aesGcmCodec({ keys: { k2: KEY2, k1: KEY1 }, current: 'k2' });

/** A payment: its input, a step, a child's result, a signal and its output all hold secrets. */
export const payHandlers = {
  'codec-pay': async (ctx: WorkflowContext, input: unknown) => {
    const {
      card,
      child: withChild,
      signal: withSignal,
    } = input as {
      card: string;
      child: boolean;
      signal: boolean;
    };
    const charged = await ctx.step('charge', () => ({
      token: SECRETS.step,
      last4: card.slice(-4),
    }));
    const child = withChild
      ? await ctx.executeChild<{ receipt: string }>(
          'receipt',
          'codec-receipt',
          charged.token,
        )
      : { receipt: null };
    // The pause the restart (and the key rotation) happens in.
    const confirm = withSignal
      ? await ctx.waitForSignal<{ otp: string }>('confirm', 'confirm')
      : await ctx.sleep('pause', 1_000).then(() => ({ otp: SECRETS.signal }));
    const settled = await ctx.step('settle', () => `${confirm!.otp}!`);
    return { paid: SECRETS.output, settled, receipt: child.receipt };
  },
  'codec-receipt': (_ctx: WorkflowContext, token: unknown) =>
    Promise.resolve({ receipt: `${SECRETS.child} for ${String(token)}` }),
};

export const EXPECTED_OUTPUT = {
  paid: SECRETS.output,
  settled: `${SECRETS.signal}!`,
  receipt: `${SECRETS.child} for ${SECRETS.step}`,
};

export interface CodecCaseStores {
  /** A fresh store (the first process). */
  create(): Promise<Persistence>;
  /** Another store object over the same data (the process after a restart). */
  reopen(): Promise<Persistence>;
  /** Everything the store holds, read with the database's own driver, as text. */
  rawText(): Promise<string>;
  cleanup(): Promise<void>;
}

const engines: LidexEngine[] = [];
const stores: Persistence[] = [];

const engine = (store: Persistence, codec?: PayloadCodec, worker = false) => {
  const made = new LidexEngine({
    store,
    handlers: payHandlers,
    pollIntervalMs: 20,
    // Sleeps are durable (the lease handed back), so a restart can take the workflow over.
    sleepInMemoryMaxMs: 0,
    retryIntervalMs: 0,
    ...(codec ? { codec } : {}),
  });
  engines.push(made);
  if (worker) made.startWorker();
  return made;
};

/**
 * On one store: a workflow started with key k1 finishes after a restart with k2 current (k1
 * still listed), reads back decrypted, and the store's raw data holds none of its secrets; a
 * reader with the wrong key, without k1, or without a codec gets a clear error naming k1.
 */
export function payloadCodecCases(
  label: string,
  stores_: CodecCaseStores,
  // A store without signals or parent links runs no child workflows and pauses
  // in a durable sleep instead of a signal wait.
  { signals = true }: { signals?: boolean } = {},
) {
  describe(`payload codec on ${label}`, () => {
    afterEach(async () => {
      await Promise.all(engines.splice(0).map((e) => e.stopWorker()));
      await Promise.all(stores.splice(0).map((s) => s.close()));
    });
    afterAll(() => stores_.cleanup());

    it('finishes a k1 workflow after rotating to k2, decrypted, with no plaintext in the store', async () => {
      const first = await stores_.create();
      stores.push(first);
      const before = engine(first, codecK1(), true);
      await before.start('pay-1', 'codec-pay', {
        card: SECRETS.input,
        child: signals,
        signal: signals,
      });
      await eventually(
        async () => {
          const info = await before.get('pay-1');
          return signals
            ? info?.waitingFor?.kind === 'signal'
            : info?.steps.some((s) => s.kind === 'sleep');
        },
        20_000,
        'pay-1 to pause',
      ).catch(async (error: Error) => {
        throw new Error(
          `${error.message}: ${JSON.stringify(await before.get('pay-1'))}`,
        );
      });
      await before.stopWorker();

      // The restart: another process (store object), k2 current, k1 still listed.
      const second = await stores_.reopen();
      if (second !== first) stores.push(second);
      const after = engine(second, codecK2(), true);
      if (signals)
        await after.signal('pay-1', 'confirm', { otp: SECRETS.signal });
      await expect(
        after.result('pay-1', { timeoutMs: 20_000 }),
      ).resolves.toEqual(
        signals ? EXPECTED_OUTPUT : { ...EXPECTED_OUTPUT, receipt: null },
      );
      const info = await after.get('pay-1');
      expect(info?.input).toEqual({
        card: SECRETS.input,
        child: signals,
        signal: signals,
      });
      expect(info?.steps.find((s) => s.id === 'charge')?.result).toEqual({
        token: SECRETS.step,
        last4: '1111',
      });
      if (signals)
        expect(
          info?.signals.find((s) => s.name === 'confirm')?.payload,
        ).toEqual({ otp: SECRETS.signal });

      const raw = await stores_.rawText();
      const { child, ...others } = SECRETS;
      const secrets = [...Object.values(others), ...(signals ? [child] : [])];
      for (const secret of secrets)
        expect(raw).not.toContain(secret.slice('SECRET-'.length));
      // Values from before the rotation keep k1; those written after it are k2's (each bound to
      // its workflow and field: the version tag 2).
      expect(raw).toContain('aes256gcm:2:k1:');
      expect(raw).toContain('aes256gcm:2:k2:');
    }, 60_000);

    it('refuses to read with a wrong key, without the key, or without a codec: an error naming the key', async () => {
      const store = await stores_.create();
      stores.push(store);
      await engine(store, codecK1()).start('pay-2', 'codec-pay', {
        card: SECRETS.input,
      });
      const wrong = engine(
        store,
        aesGcmCodec({ keys: { k1: randomBytes(32) }, current: 'k1' }),
      );
      await expect(wrong.get('pay-2')).rejects.toThrow(
        new PayloadCodecError(messages.payloadKeyWrong('k1')),
      );
      const without = engine(
        store,
        aesGcmCodec({ keys: { k2: KEY2 }, current: 'k2' }),
      );
      await expect(without.get('pay-2')).rejects.toThrow(
        messages.payloadKeyMissing('k1', ['k2']),
      );
      const plain = engine(store);
      // A value stored before encryption was turned on (plain JSON) still reads with a codec.
      await plain.start('plain-2', 'codec-pay', {
        card: 'VISIBLE-CONTROL-1',
      });
      expect((await engine(store, codecK2()).get('plain-2'))?.input).toEqual({
        card: 'VISIBLE-CONTROL-1',
      });
      // The raw reader does see values the codec did not touch.
      expect(await stores_.rawText()).toContain('VISIBLE-CONTROL-1');
      await expect(plain.get('pay-2')).rejects.toThrow(
        messages.payloadNeedsCodec('k1'),
      );
      // What the dashboard shows where it cannot decrypt.
      expect((await plain.inspect('pay-2'))?.input).toBe(
        messages.payloadEncrypted('k1'),
      );
    }, 30_000);
  });
}
