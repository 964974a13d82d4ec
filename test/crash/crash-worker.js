// A worker process for the crash tests: runs `chain` workflows from a store, appending every
// step execution to a journal before the step's result is recorded. Uses the built package
// (dist/), as an app would. The store is a JSON argument: {"sqlite": path} or {"mongo": {url, database}}.
const { appendFileSync } = require('node:fs');
const { LidexEngine, MongoStore, SqliteStore } = require('../../dist');

const [storeJson, journalPath] = process.argv.slice(2);

function openStore() {
  const spec = JSON.parse(storeJson);
  return spec.sqlite
    ? new SqliteStore({ path: spec.sqlite })
    : new MongoStore({ url: spec.mongo.url, database: spec.mongo.database });
}

async function main() {
  const store = openStore();
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
