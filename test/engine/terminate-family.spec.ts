import {
  ChildWorkflowError,
  type WorkflowContext,
  type WorkflowHandler,
} from '@lidex/nestjs';
import { makeEngine } from '../support/engine-harness';
import { eventually } from '../support/eventually';
import { inProcessStores } from '../support/in-process-stores';
import { tempDir } from '../support/temp-dir';

/**
 * `terminate(id)` "ends a workflow that has not ended as `cancelled`, as `cancel` does, but
 * never runs the compensations of its steps" (README). A terminated child is a cancelled child
 * to its parent ("A child that failed for good or was cancelled ... throws a ChildWorkflowError
 * in the parent"), and a terminated parent's `parentClose: 'cancel'` children end with it.
 * Before, terminate told no parent (its executeChild() waited for ever: still `running` 8 s
 * later on PostgreSQL in a README-only app) and left the children running until their next claim.
 */

const parent: WorkflowHandler = async (ctx: WorkflowContext) => {
  try {
    return await ctx.executeChild('kid', 'kid', null);
  } catch (error) {
    if (!(error instanceof ChildWorkflowError)) throw error;
    return { childId: error.childId, status: error.status };
  }
};
// A child that waits for a signal: it holds no lease, so only the store tells it anything.
const kid: WorkflowHandler = async (ctx: WorkflowContext) => {
  await ctx.step('a', () => 1, { compensate: async () => undefined });
  return ctx.waitForSignal('go', 'go', { timeoutMs: 60_000 });
};

const dir = tempDir('lidex-terminate-family-');
afterAll(() => dir.remove());
const stores = inProcessStores(dir);

describe.each(stores)(
  'terminate in a family (%s store)',
  (_label, makeStore) => {
    const waitingChild = async () => {
      const { engine } = makeEngine({ parent, kid }, { store: makeStore() });
      await engine.store.init();
      await engine.start('p-1', 'parent', null);
      await eventually(
        async () => (await engine.get('p-1/kid'))?.waitingFor !== undefined,
        5000,
        'the child to wait for its signal',
      );
      return engine;
    };

    it("a terminated child throws ChildWorkflowError 'cancelled' in its waiting parent", async () => {
      const engine = await waitingChild();
      expect(await engine.terminate('p-1/kid')).toBe(true);
      await expect(engine.result('p-1', { timeoutMs: 5000 })).resolves.toEqual({
        childId: 'p-1/kid',
        status: 'cancelled',
      });
      expect((await engine.get('p-1/kid'))?.compensations).toBeUndefined();
    });

    it("a terminated parent's parentClose 'cancel' children are cancelled with it", async () => {
      const engine = await waitingChild();
      expect(await engine.terminate('p-1')).toBe(true);
      expect(await engine.status('p-1')).toBe('cancelled');
      expect(await engine.status('p-1/kid')).toBe('cancelled');
    });
  },
);
