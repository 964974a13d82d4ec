// What the tests' worker processes (worker-process.js, sqlite-retrying-worker.js) share: the
// logger that writes the engine's warnings and errors to stderr, where tests read them, and the
// SIGTERM handling that drains the engine and closes the store before exiting.

/** Warnings and errors to stderr as `WARN ...` / `ERROR ...` lines; the rest is dropped. */
const stderrLogger = {
  log: () => undefined,
  warn: (message) => process.stderr.write(`WARN ${message}\n`),
  error: (message) => process.stderr.write(`ERROR ${message}\n`),
};

/** On SIGTERM: drain the engine, close the store, exit 0 (1 if either failed). */
function exitOnSigterm(engine, store) {
  process.on('SIGTERM', () => {
    engine
      .stopWorker()
      .then(() => store.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  });
}

module.exports = { stderrLogger, exitOnSigterm };
