// A worker process whose one workflow calls a flaky API through a retried step, from the built
// package (dist/), on a SQLite file. Each attempt of the step appends a line to the log file:
// {"pid", "attempt", "key", "at"}; the first two attempts fail, the third succeeds.
//
//   node step-retry-worker.js <sqlite path> <attempt log path>
//
// It reports {"ready": true} on stdout once its worker runs; warnings go to stderr.
const { appendFileSync } = require('node:fs');
const { LidexEngine } = require('../../dist');
const { SqliteStore } = require('../../dist/sqlite');
const { exitOnSigterm, stderrLogger } = require('./worker-runtime');

const [path, log] = process.argv.slice(2);

const handlers = {
  async flaky(ctx) {
    return ctx.step(
      'call-api',
      ({ attempt, idempotencyKey }) => {
        appendFileSync(
          log,
          `${JSON.stringify({ pid: process.pid, attempt, key: idempotencyKey, at: Date.now() })}\n`,
        );
        if (attempt < 3) throw new Error(`api down (attempt ${attempt})`);
        return `ok at attempt ${attempt}`;
      },
      // A 3 s wait, held in memory (sleepInMemoryMaxMs below): the process is killed inside it.
      {
        retry: { attempts: 5, initialIntervalMs: 3000, backoffCoefficient: 1 },
      },
    );
  },
};

async function main() {
  const store = new SqliteStore({ path });
  await store.init();
  const engine = new LidexEngine({
    store,
    logger: stderrLogger,
    handlers,
    pollIntervalMs: 20,
    timeoutIntervalMs: 1000,
    sleepInMemoryMaxMs: 10_000,
  });
  engine.startWorker();
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  exitOnSigterm(engine, store);
}

main().catch((error) => {
  process.stderr.write(`ERROR ${error.stack}\n`);
  process.exit(1);
});
