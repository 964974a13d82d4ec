import {
  type Clock,
  type EngineOptions,
  LidexEngine,
  MemoryStore,
  type Persistence,
  type WorkflowHandler,
} from '@lidex/nestjs';
import { RecordingLogger } from './recording-logger';

const running: LidexEngine[] = [];

/**
 * An engine on a clock of the test's own (the manual clock of `@lidex/nestjs/testing`), its
 * worker started, stopped after each test: `makeEngine` of engine-harness.ts, with a `clock`.
 */
export function clockEngine(
  handlers: Record<string, WorkflowHandler>,
  options: EngineOptions & { clock: Clock; store?: Persistence },
): { engine: LidexEngine; store: Persistence; logger: RecordingLogger } {
  const { store = new MemoryStore(), clock, ...engineOptions } = options;
  const logger = new RecordingLogger();
  const engine = new LidexEngine({
    pollIntervalMs: 10,
    retryIntervalMs: 0,
    ...engineOptions,
    store,
    handlers,
    logger,
    clock,
  });
  engine.startWorker();
  running.push(engine);
  return { engine, store, logger };
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((engine) => engine.stopWorker()));
});
