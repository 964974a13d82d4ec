// A worker process that opens a SQLite store the way a supervised app keeps trying to start:
// init() again every 200 ms until it succeeds, then it runs workflows from the built package
// (dist/). Each attempt is reported on stdout as one JSON line, so tests see what the store said.
//
//   node sqlite-retrying-worker.js <path>
//
// Lines: {"initFailed": {"name", "message"}} for each failed attempt, then {"ready": true};
// warnings and errors of the engine go to stderr.
const { LidexEngine } = require('../../dist');
const { SqliteStore } = require('../../dist/sqlite');
const { exitOnSigterm, stderrLogger } = require('./worker-runtime');

const [path] = process.argv.slice(2);
const report = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const handlers = {
  // input: { steps, stepMs }; result: the number of steps
  async chain(ctx, input) {
    for (let i = 0; i < input.steps; i++) {
      await ctx.step(`step-${i}`, () => pause(input.stepMs));
    }
    return input.steps;
  },
};

async function main() {
  const store = new SqliteStore({ path });
  for (;;) {
    try {
      await store.init();
      break;
    } catch (error) {
      report({ initFailed: { name: error.name, message: error.message } });
      await pause(200);
    }
  }
  const engine = new LidexEngine({
    store,
    logger: stderrLogger,
    handlers,
    pollIntervalMs: 20,
    timeoutIntervalMs: 1000,
    retryIntervalMs: 100,
    concurrency: 8,
  });
  engine.startWorker();
  report({ ready: true });
  exitOnSigterm(engine, store);
}

main().catch((error) => {
  process.stderr.write(`ERROR ${error.stack}\n`);
  process.exit(1);
});
