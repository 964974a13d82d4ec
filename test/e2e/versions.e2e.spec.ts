import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { LidexModule, Workflow, type WorkflowContext } from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { eventually } from '../support/eventually';
import { bootNestApp } from '../support/nest-app';
import { tempDir } from '../support/temp-dir';

/*
 * Rolling deploys on one SQLite file: the app of version 1 and the app of version 2 of a
 * workflow, each a Nest app of its own, booted, closed and booted again over the same file.
 */

type Shipped = { version: number; path: string; steps: string[] };

/** Version 1: reserve, wait, ship. */
@Injectable()
class ShipOrderV1 {
  @Workflow('ship-order', { version: 1 })
  async ship(ctx: WorkflowContext, order: string): Promise<Shipped> {
    const steps = [await ctx.step('reserve', () => `reserved ${order}`)];
    await ctx.sleep('wait-for-stock', 2_000);
    steps.push(await ctx.step('ship', () => `shipped ${order}`));
    return { version: ctx.version, path: 'v1', steps };
  }
}

/** Version 2 adds a label step, and keeps version 1's path for runs that started on it. */
@Injectable()
class ShipOrderV2 {
  @Workflow('ship-order', { version: 2 })
  async ship(ctx: WorkflowContext, order: string): Promise<Shipped> {
    const steps = [await ctx.step('reserve', () => `reserved ${order}`)];
    await ctx.sleep('wait-for-stock', 2_000);
    if (ctx.version < 2) {
      steps.push(await ctx.step('ship', () => `shipped ${order}`));
      return { version: ctx.version, path: 'v1 on v2 code', steps };
    }
    steps.push(await ctx.step('label', () => `labelled ${order}`));
    steps.push(await ctx.step('ship', () => `shipped ${order} with label`));
    return { version: ctx.version, path: 'v2', steps };
  }
}

describe('Versions across a rolling deploy (two Nest apps on one SQLite file)', () => {
  const dir = tempDir('lidex-versions-');
  const path = join(dir.path, 'lidex.sqlite');
  afterAll(() => dir.remove());

  const boot = (provider: unknown, extra = {}) =>
    bootNestApp([
      LidexModule.forRoot({
        persistence: new SqliteStore({ path }),
        pollIntervalMs: 20,
        sleepInMemoryMaxMs: 0,
        ...extra,
      }),
      ...(provider ? [{ module: class {}, providers: [provider] }] : []),
    ]);

  it('a workflow started on version 1 finishes on version 1’s branch after the app restarts on version 2', async () => {
    const v1 = await boot(ShipOrderV1);
    expect(await v1.client.start('order-1', 'ship-order', 'A-1')).toBe(true);
    // The sleep is recorded and the workflow let go: the app goes down mid-workflow.
    await eventually(
      async () =>
        (await v1.client.get('order-1'))?.steps.map((s) => s.id).join() ===
        'reserve,wait-for-stock',
    );
    await v1.app.close();

    const v2 = await boot(ShipOrderV2);
    const done = await v2.client.wait('order-1', { timeoutMs: 15_000 });
    expect(done).toBe('finished');
    const info = await v2.client.get<string, Shipped>('order-1');
    expect(info?.version).toBe(1);
    expect(info?.result).toEqual({
      version: 1,
      path: 'v1 on v2 code',
      steps: ['reserved A-1', 'shipped A-1'],
    });

    // A workflow started now, on version 2, takes the new branch.
    expect(await v2.client.start('order-2', 'ship-order', 'A-2')).toBe(true);
    expect(await v2.client.wait('order-2', { timeoutMs: 15_000 })).toBe(
      'finished',
    );
    expect((await v2.client.get<string, Shipped>('order-2'))?.result).toEqual({
      version: 2,
      path: 'v2',
      steps: ['reserved A-2', 'labelled A-2', 'shipped A-2 with label'],
    });
    expect(
      (await v2.client.list({ version: 2 })).workflows.map((w) => w.id),
    ).toEqual(['order-2']);
    expect(
      (await v2.client.list({ version: 1 })).workflows.map((w) => w.id),
    ).toEqual(['order-1']);
  });

  it('a version-1 worker leaves a version-2 workflow alone, and a version-2 worker then runs it', async () => {
    const v1 = await boot(ShipOrderV1);
    // An API instance already on version 2 (it runs no workflows) starts one.
    const api = await boot(undefined, { clientOnly: true });
    expect(
      await api.client.start('order-3', 'ship-order', 'B-3', { version: 2 }),
    ).toBe(true);
    // A version-1 workflow started at the same time is run at once by the version-1 worker.
    expect(await v1.client.start('order-4', 'ship-order', 'B-4')).toBe(true);
    expect(await v1.client.wait('order-4', { timeoutMs: 15_000 })).toBe(
      'finished',
    );
    // Many polls later, the version-2 workflow has not been taken up.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await v1.client.get('order-3')).toMatchObject({
      status: 'idle',
      version: 2,
      attempts: 0,
      steps: [],
    });

    const v2 = await boot(ShipOrderV2);
    expect(await v2.client.wait('order-3', { timeoutMs: 15_000 })).toBe(
      'finished',
    );
    expect(
      (await v2.client.get<string, Shipped>('order-3'))?.result,
    ).toMatchObject({ version: 2, path: 'v2' });
  });

  it('a workflow a clientOnly app starts without a version runs on any worker, with that worker’s version', async () => {
    const api = await boot(undefined, { clientOnly: true });
    expect(await api.client.start('order-5', 'ship-order', 'C-5')).toBe(true);
    expect((await api.client.get('order-5'))?.version).toBe(0);
    const v1 = await boot(ShipOrderV1);
    expect(await v1.client.wait('order-5', { timeoutMs: 15_000 })).toBe(
      'finished',
    );
    expect(
      (await v1.client.get<string, Shipped>('order-5'))?.result,
    ).toMatchObject({ version: 1, path: 'v1' });
  });
});
