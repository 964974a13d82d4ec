/**
 * Synchronous last-chance cleanup (kill children, remove temp dirs) for every way the bench can
 * end: normal exit, an uncaught error, Ctrl-C or SIGTERM. Each hook returns its own remover, so
 * orderly cleanup can take over and the hook does not run twice.
 */
const hooks = new Set<() => void>();

export function onExit(hook: () => void): () => void {
  hooks.add(hook);
  return () => hooks.delete(hook);
}

function runHooks(): void {
  for (const hook of [...hooks]) {
    hooks.delete(hook);
    try {
      hook();
    } catch {
      // Cleaning up as the process ends: nothing better to do with the error.
    }
  }
}

process.on('exit', runHooks);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    runHooks();
    process.exit(130);
  });
}
