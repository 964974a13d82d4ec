import type { INestApplication, Provider } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { LidexClient } from '@lidex/nestjs';
import { RecordingLogger } from './recording-logger';

export interface NestAppOptions {
  /** Providers of the testing module, beside its imports. */
  providers?: Provider[];
  /** The logger the app writes to; a fresh one when not given. */
  logger?: RecordingLogger;
  /** Called on the app before it is initialised (middleware, adapters). */
  configure?: (app: INestApplication) => void;
  /** Listen on a free port of 127.0.0.1 rather than only initialise. */
  listen?: boolean;
  /** The HTTP adapter (such as Nest's `FastifyAdapter`); Express when not given. */
  adapter?: AbstractHttpAdapter;
}

export interface NestApp {
  app: INestApplication;
  /** The app's `LidexClient`, looked up when read. */
  readonly client: LidexClient;
  logger: RecordingLogger;
}

interface Tracked {
  app: INestApplication;
  booted: boolean;
  closing?: Promise<void>;
}

const open: Tracked[] = [];

/**
 * The one Nest bootstrap of the tests: compiles a testing module with these imports, initialises
 * (or listens) and returns the app, its client and the logger it writes to. Every app is closed
 * after the test, pass or fail, and also when its bootstrap failed; an app the test closed itself
 * is closed once (`app.close()` answers the same promise when called again).
 */
export async function bootNestApp(
  imports: unknown[],
  options: NestAppOptions = {},
): Promise<NestApp> {
  const logger = options.logger ?? new RecordingLogger();
  const moduleRef = await Test.createTestingModule({
    imports: imports as never[],
    providers: options.providers,
  })
    .setLogger(logger)
    .compile();
  const app = options.adapter
    ? moduleRef.createNestApplication(options.adapter)
    : moduleRef.createNestApplication();
  const tracked: Tracked = { app, booted: false };
  const close = app.close.bind(app);
  app.close = () => (tracked.closing ??= close());
  open.push(tracked);
  options.configure?.(app);
  if (options.listen) await app.listen(0, '127.0.0.1');
  else await app.init();
  tracked.booted = true;
  return {
    app,
    get client() {
      return app.get(LidexClient);
    },
    logger,
  };
}

/** Closes every app booted since the last call; run after each test. */
export async function closeNestApps(): Promise<void> {
  await Promise.all(
    open.splice(0).map(async (tracked) => {
      // A close the test started is the test's to judge, and so is a bootstrap that failed.
      const mine = tracked.booted && tracked.closing === undefined;
      const closing = tracked.app.close();
      if (mine) await closing;
      else await closing.catch(() => undefined);
    }),
  );
}

afterEach(closeNestApps);
