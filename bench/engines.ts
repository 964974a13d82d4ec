import {
  aesGcmCodec,
  type EngineOptions,
  LidexEngine,
  type Persistence,
} from '@lidex/nestjs';
import { benchWorkflows, runElsewhere } from './workflows';

/**
 * Engine options of every worker in the bench, in-process or not. The poll interval is shorter
 * than the default (1 s) because workflows started in another process wait for a poll; the
 * figures that depend on it say so.
 */
export const BENCH_ENGINE_OPTIONS: EngineOptions = { pollIntervalMs: 50 };

/** Throughput runs more workflows at once than the default 10, so a store can batch. */
export const THROUGHPUT_CONCURRENCY = 50;

/**
 * `LIDEX_BENCH_CODEC=aes-gcm`: the in-process worker engines (which start and run their own
 * workflows) encrypt what they store, for the codec's cost beside the same run without. Worker
 * processes and client engines do not (their options cross processes, a codec cannot). A fixed
 * key: a bench, not a secret.
 */
const BENCH_CODEC: EngineOptions =
  process.env.LIDEX_BENCH_CODEC === 'aes-gcm'
    ? {
        codec: aesGcmCodec({
          keys: { bench: Buffer.alloc(32, 7) },
          current: 'bench',
        }),
      }
    : {};

/** An engine that runs the bench workflows here (its worker not started yet). */
export const workerEngine = (
  store: Persistence,
  options: EngineOptions = {},
): LidexEngine =>
  new LidexEngine({
    ...BENCH_ENGINE_OPTIONS,
    ...BENCH_CODEC,
    ...options,
    store,
    handlers: benchWorkflows,
  });

/** An engine that only starts workflows; worker processes (or another engine) run them. */
export const clientEngine = (store: Persistence): LidexEngine =>
  new LidexEngine({ ...BENCH_ENGINE_OPTIONS, store, handlers: runElsewhere });
