// A worker process for the crash, chaos, zombie and shutdown tests. It runs workflows from a
// store with the built package (dist/), as an app would, and appends every step execution to a
// journal before the step's result is recorded.
//
//   node worker-process.js <store> <journal> [engine options]
//
// <store> is JSON: {"sqlite": path}, {"mongo": {"url": ..., "database": ...}} or
// {"postgres": {"url": ..., "schema": ...}}.
// Warnings and errors go to stderr, so tests can read what the engine said.
const { appendFileSync } = require('node:fs');
const { LidexEngine } = require('../../dist');
const { MongoStore } = require('../../dist/mongodb');
const { SqliteStore } = require('../../dist/sqlite');
const { exitOnSigterm, stderrLogger } = require('./worker-runtime');

const [storeJson, journalPath, optionsJson] = process.argv.slice(2);

function openStore() {
  const spec = JSON.parse(storeJson);
  if (spec.postgres) {
    const { PostgresStore } = require('../../dist/postgres');
    return new PostgresStore(spec.postgres);
  }
  return spec.sqlite
    ? new SqliteStore({ path: spec.sqlite })
    : new MongoStore({ url: spec.mongo.url, database: spec.mongo.database });
}

const journal = (ctx, step) =>
  appendFileSync(journalPath, `${ctx.workflowId} ${step} ${process.pid}\n`);

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const handlers = {
  // input: { steps, stepMs }; result: 0 + 1 + ... + (steps - 1)
  async chain(ctx, input) {
    let total = 0;
    for (let i = 0; i < input.steps; i++) {
      total += await ctx.step(`step-${i}`, async () => {
        journal(ctx, `step-${i}`);
        await pause(input.stepMs);
        return i;
      });
    }
    return total;
  },
  // input: { steps, stepMs }; each step records the pid of the process that ran it.
  async stamp(ctx, input) {
    const pids = [];
    for (let i = 0; i < input.steps; i++) {
      pids.push(
        await ctx.step(`step-${i}`, async () => {
          journal(ctx, `step-${i}`);
          await pause(input.stepMs);
          return process.pid;
        }),
      );
    }
    return pids;
  },
  // input: { steps, sleepMs }: a step, then a short in-memory sleep, and so on; each step
  // records the pid of the process that ran it.
  async napper(ctx, input) {
    const pids = [];
    for (let i = 0; i < input.steps; i++) {
      if (i > 0) await ctx.sleep(`nap-${i}`, input.sleepMs);
      pids.push(
        await ctx.step(`step-${i}`, () => {
          journal(ctx, `step-${i}`);
          return process.pid;
        }),
      );
    }
    return pids;
  },
};

async function main() {
  const store = openStore();
  await store.init();
  const engine = new LidexEngine({
    store,
    logger: stderrLogger,
    handlers,
    pollIntervalMs: 20,
    timeoutIntervalMs: 1000,
    retryIntervalMs: 100,
    concurrency: 4,
    ...JSON.parse(optionsJson ?? '{}'),
  });
  engine.startWorker();
  exitOnSigterm(engine, store);
  process.send?.('ready');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
