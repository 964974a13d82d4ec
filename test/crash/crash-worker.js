// A worker process for the crash tests: runs `chain` workflows from a SQLite file, appending
// every step execution to a journal before the step's result is recorded. Uses the built
// package (dist/), as an app would.
const { appendFileSync } = require('node:fs');
const { LidexEngine, SqliteStore } = require('../../dist');

const [dbPath, journalPath] = process.argv.slice(2);

async function main() {
  const store = new SqliteStore({ path: dbPath });
  await store.init();
  const engine = new LidexEngine({
    store,
    pollIntervalMs: 20,
    timeoutIntervalMs: 1000,
    retryIntervalMs: 100,
    concurrency: 4,
    handlers: {
      async chain(ctx, input) {
        let total = 0;
        for (let i = 0; i < input.steps; i++) {
          total += await ctx.step(`step-${i}`, async () => {
            appendFileSync(
              journalPath,
              `${ctx.workflowId} step-${i} ${process.pid}\n`,
            );
            await new Promise((resolve) => setTimeout(resolve, input.stepMs));
            return i;
          });
        }
        return total;
      },
    },
  });
  engine.startWorker();
  process.on('SIGTERM', () => {
    engine
      .stopWorker()
      .then(() => store.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  });
  process.send?.('ready');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
