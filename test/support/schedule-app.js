// An app instance for the schedule tests: a Nest app (the built package, dist/) whose workflow
// "every-second" has @Workflow("every-second", { schedule: { every: 1000, overlap: "allow" } }).
// Each run's one step appends "<workflow id> <pid>" to the journal.
//
//   node schedule-app.js <store> <journal>
//
// <store> is JSON, as the test worker harness takes it (test/support/worker/store-spec.ts). It tells its parent "ready" once booted;
// SIGTERM closes the app (drained) and exits 0.
require('reflect-metadata');
const { appendFileSync } = require('node:fs');
const { Injectable, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { LidexModule, Workflow } = require('../../dist');

const [storeJson, journalPath] = process.argv.slice(2);

function openStore() {
  const spec = JSON.parse(storeJson);
  if (spec.postgres) {
    const { PostgresStore } = require('../../dist/postgres');
    return new PostgresStore(spec.postgres);
  }
  if (spec.mongodb) {
    const { MongoStore } = require('../../dist/mongodb');
    return new MongoStore(spec.mongodb);
  }
  if (spec.mysql) {
    const { MysqlStore } = require('../../dist/mysql');
    return new MysqlStore(spec.mysql);
  }
  const { SqliteStore } = require('../../dist/sqlite');
  return new SqliteStore({ path: spec.sqlite });
}

class Ticks {
  run(ctx) {
    return ctx.step('ran', () => {
      appendFileSync(journalPath, `${ctx.workflowId} ${process.pid}\n`);
      return process.pid;
    });
  }
}
Workflow('every-second', {
  schedule: { every: 1000, overlap: 'allow', missed: 'all' },
})(
  Ticks.prototype,
  'run',
  Object.getOwnPropertyDescriptor(Ticks.prototype, 'run'),
);
Injectable()(Ticks);

class AppModule {}
Module({
  imports: [
    LidexModule.forRoot({
      persistence: openStore(),
      // A killed instance's run is taken over within seconds, not the default half-minute.
      timeoutIntervalMs: 3000,
      pollIntervalMs: 200,
    }),
  ],
  providers: [Ticks],
})(AppModule);

// Warnings and errors to stderr, where the test reads them; the rest is dropped.
const nestLogger = {
  log: () => undefined,
  warn: (message) => process.stderr.write(`WARN ${message}\n`),
  error: (message) => process.stderr.write(`ERROR ${message}\n`),
};

async function main() {
  const app = await NestFactory.createApplicationContext(AppModule, {
    logger: nestLogger,
  });
  app.enableShutdownHooks(['SIGTERM']);
  process.send?.('ready');
}

main().catch((error) => {
  process.stderr.write(`ERROR ${error.stack ?? error}\n`);
  process.exit(1);
});
