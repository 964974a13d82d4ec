import {
  LidexEngine,
  MemoryStore,
  type EngineOptions,
  type Persistence,
  type WorkflowHandler,
} from '@lidex/nestjs';
import { RecordingLogger } from './recording-logger';

export { RecordingLogger };

/** A clock the test moves by hand. */
export class ManualClock {
  constructor(public time = Date.now()) {}
  now = (): number => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
}

export interface Harness {
  engine: LidexEngine;
  store: Persistence;
  logger: RecordingLogger;
}

const running: LidexEngine[] = [];

/** An engine over a (by default fresh, in-memory) store, with fast polling; stopped after each test. */
export function makeEngine(
  handlers: Record<string, WorkflowHandler>,
  options: EngineOptions & {
    store?: Persistence;
    now?: () => number;
    worker?: boolean;
  } = {},
): Harness {
  const {
    store = new MemoryStore(),
    worker = true,
    now,
    ...engineOptions
  } = options;
  const logger = new RecordingLogger();
  const engine = new LidexEngine({
    pollIntervalMs: 10,
    retryIntervalMs: 0,
    ...engineOptions,
    store,
    handlers,
    logger,
    now,
  });
  if (worker) engine.startWorker();
  running.push(engine);
  return { engine, store, logger };
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((engine) => engine.stopWorker()));
});

/** A promise the test settles by hand, to hold a step open. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
