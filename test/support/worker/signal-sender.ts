/**
 * Sends signals from a process of its own, as another app instance (a webhook receiver) would:
 *
 *   node signal-sender.js '<{ store, signals: [{ workflowId, name, payload, signalId }] }>'
 *
 * Opens the store, sends each signal in order through an engine that runs nothing, prints
 * `{ "delivered": n, "notDelivered": m }` on stdout, closes the store and exits 0 (1 on an error).
 */
import { LidexEngine } from '@lidex/nestjs';
import { openSpec, type StoreSpec } from './store-spec';

export interface SignalToSend {
  workflowId: string;
  name: string;
  payload: unknown;
  signalId: string;
}

async function main(): Promise<void> {
  const { store: spec, signals } = JSON.parse(process.argv[2]) as {
    store: StoreSpec;
    signals: SignalToSend[];
  };
  const store = openSpec(spec);
  await store.init();
  const engine = new LidexEngine({ store, handlers: {} });
  let delivered = 0;
  for (const { workflowId, name, payload, signalId } of signals) {
    if (await engine.signal(workflowId, name, payload, { signalId }))
      delivered += 1;
  }
  await store.close();
  process.stdout.write(
    `${JSON.stringify({ delivered, notDelivered: signals.length - delivered })}\n`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `ERROR ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  },
);
