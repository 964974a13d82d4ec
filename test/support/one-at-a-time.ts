import type {
  LidexEngine,
  Persistence,
  WorkflowContext,
  WorkflowHandler,
} from '@lidex/nestjs';

/** The workflows the cost specs count: three no-op steps, and none. */
export const costHandlers = {
  async threeSteps(ctx: WorkflowContext) {
    await ctx.step('a', () => 1);
    await ctx.step('b', () => 2);
    await ctx.step('c', () => 3);
    return 'ok';
  },
  async noSteps() {
    return 'ok';
  },
} satisfies Record<string, WorkflowHandler>;

/**
 * Runs workflows through `engine` one at a time, each started once the one before has its finish
 * written: `store.recordFinish` is wrapped to tell, so that waiting reads nothing of its own.
 * Call it with the store before the engine uses it.
 */
export function oneAtATime(store: Persistence, timeoutMs = 20_000) {
  const finished = new Map<string, () => void>();
  const recordFinish = store.recordFinish.bind(store);
  store.recordFinish = async (...args) => {
    const written = await recordFinish(...args);
    if (written) finished.get(args[0])?.();
    return written;
  };
  const whenFinished = (id: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${id} did not finish in ${timeoutMs} ms`)),
        timeoutMs,
      );
      finished.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  /** Runs `count` workflows of `name`, ids `<prefix><n>`, one after the other. */
  return async (
    engine: LidexEngine,
    name: string,
    prefix: string,
    count: number,
  ): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const id = `${prefix}${i}`;
      const done = whenFinished(id);
      await engine.start(id, name, null);
      await done;
    }
  };
}
