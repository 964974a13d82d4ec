import { describeMysql } from '../support/mysql';
import { countedMysqlStore } from '../support/mysql-counted';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

describeMysql('MysqlStore: steps and finishes of one turn in one call', () => {
  const counted = countedMysqlStore(4);
  const { sent } = counted;

  /** `count` workflows inserted and claimed, each under a lease of its own. */
  const claimed = async (name: string, count: number) => {
    for (let i = 0; i < count; i++) {
      await counted.store.insertWorkflow({
        id: `${name}-${i}`,
        name,
        input: String(i),
        now: T0,
      });
    }
    const leases = Array.from({ length: count }, (_, i) => ({
      token: `${name}-lease-${i}`,
      until: T0 + MINUTE,
    }));
    const runs = await counted.store.claimReady(T0 + 1, leases);
    expect(runs).toHaveLength(count);
    return runs;
  };

  it('writes the steps of 40 workflows and the finishes of 10 more, made in one turn, as one statement, each kept', async () => {
    const stepping = await claimed('steps', 40);
    const finishing = await claimed('finishes', 10);
    sent.length = 0;
    const answers = await Promise.all([
      ...stepping.map((run) =>
        counted.store.recordStep(
          run.id,
          run.leaseToken,
          { kind: 'step', id: 'a', result: `"${run.id}"`, recordedAt: T0 + 2 },
          { readyAt: T0 + MINUTE, now: T0 + 2, release: false },
        ),
      ),
      ...finishing.map((run) =>
        counted.store.recordFinish(run.id, run.leaseToken, {
          result: `"done ${run.id}"`,
          now: T0 + 2,
        }),
      ),
    ]);
    expect(answers.every((held) => held)).toBe(true);
    expect(sent).toHaveLength(1);
    for (const run of stepping) {
      const stored = await counted.store.getWorkflow(run.id);
      expect(stored?.steps).toEqual([
        {
          kind: 'step',
          id: 'a',
          result: `"${run.id}"`,
          recordedAt: T0 + 2,
          wakeAt: undefined,
          startedAt: undefined,
        },
      ]);
    }
    for (const run of finishing) {
      const stored = await counted.store.getWorkflow(run.id);
      expect(stored).toMatchObject({
        status: 'finished',
        result: `"done ${run.id}"`,
      });
    }
  });

  it("writes finishes with their runs' last steps (finishTakesStep) beside a step in one statement: both or neither, a repeat answered true keeping the first", async () => {
    const runs = await claimed('fused', 6);
    const last = (result: string) => ({
      kind: 'step' as const,
      id: 'last',
      result,
      startedAt: T0 + 1,
      recordedAt: T0 + 2,
    });
    // Runs 0, 1 and 3 finish with their last step, 2 under a lease it does not hold, 4 without a
    // step; 5 records a step.
    const writes = (result: string) =>
      runs.map((run, i) =>
        i === 5
          ? counted.store.recordStep(
              run.id,
              run.leaseToken,
              {
                kind: 'step',
                id: 'a',
                result: '"stepped"',
                recordedAt: T0 + 2,
              },
              { readyAt: T0 + MINUTE, now: T0 + 2, release: false },
            )
          : counted.store.recordFinish(
              run.id,
              i === 2 ? 'someone-else' : run.leaseToken,
              {
                result: `"done ${i}"`,
                now: T0 + 3,
                step: i === 4 ? undefined : last(result),
              },
            ),
      );
    sent.length = 0;
    expect(await Promise.all(writes('"first"'))).toEqual([
      true,
      true,
      false,
      true,
      true,
      true,
    ]);
    expect(sent).toHaveLength(1);
    // The same writes again, as after lost answers, with another step result: the first is kept.
    sent.length = 0;
    expect(await Promise.all(writes('"second"'))).toEqual([
      true,
      true,
      false,
      true,
      true,
      true,
    ]);
    expect(sent).toHaveLength(1);
    for (const i of [0, 1, 3]) {
      expect(await counted.store.getWorkflow(runs[i].id)).toMatchObject({
        status: 'finished',
        result: `"done ${i}"`,
        steps: [{ ...last('"first"'), wakeAt: undefined }],
      });
    }
    expect(await counted.store.getWorkflow(runs[2].id)).toMatchObject({
      status: 'running',
      steps: [],
    });
    expect(await counted.store.getWorkflow(runs[4].id)).toMatchObject({
      status: 'finished',
      result: '"done 4"',
      steps: [],
    });
    expect((await counted.store.getWorkflow(runs[5].id))?.steps).toEqual([
      expect.objectContaining({ id: 'a', result: '"stepped"' }),
    ]);
  });

  it('answers false for a write whose lease was lost and keeps the others of its call', async () => {
    const runs = await claimed('fenced', 6);
    const answers = await Promise.all(
      runs.map((run, i) =>
        counted.store.recordStep(
          run.id,
          i === 3 ? 'someone-else' : run.leaseToken,
          { kind: 'step', id: 'a', result: '1', recordedAt: T0 + 2 },
          { readyAt: T0 + MINUTE, now: T0 + 2, release: false },
        ),
      ),
    );
    expect(answers).toEqual([true, true, true, false, true, true]);
    expect((await counted.store.getWorkflow(runs[3].id))?.steps).toEqual([]);
    expect((await counted.store.getWorkflow(runs[4].id))?.steps).toHaveLength(
      1,
    );
  });

  it('keeps each lease expiry for steps written without a ready time in one call (stepKeepsLease)', async () => {
    const runs = await claimed('kept', 4);
    sent.length = 0;
    const answers = await Promise.all(
      runs.map((run) =>
        counted.store.recordStep(
          run.id,
          run.leaseToken,
          { kind: 'step', id: 'a', result: '1', recordedAt: T0 + 2 },
          { now: T0 + 2, release: false },
        ),
      ),
    );
    expect(answers).toEqual([true, true, true, true]);
    expect(sent).toHaveLength(1);
    for (const run of runs) {
      expect(await counted.store.getWorkflow(run.id)).toMatchObject({
        readyAt: T0 + MINUTE,
        updatedAt: T0 + 2,
        steps: [expect.objectContaining({ id: 'a' })],
      });
    }
  });

  it('keeps a sleep that releases the lease, and recognises it when written again after its answer was lost', async () => {
    const runs = await claimed('sleeps', 3);
    const sleep = (run: (typeof runs)[number]) =>
      counted.store.recordStep(
        run.id,
        run.leaseToken,
        { kind: 'sleep', id: 'nap', wakeAt: T0 + MINUTE, recordedAt: T0 + 2 },
        { readyAt: T0 + MINUTE, now: T0 + 2, release: true },
      );
    expect(await Promise.all(runs.map(sleep))).toEqual([true, true, true]);
    // The same writes again, as after a lost answer: the lease is gone, the step is theirs.
    expect(await Promise.all(runs.map(sleep))).toEqual([true, true, true]);
    expect((await counted.store.getWorkflow(runs[0].id))?.steps).toEqual([
      expect.objectContaining({
        kind: 'sleep',
        id: 'nap',
        wakeAt: T0 + MINUTE,
      }),
    ]);
  });

  it('inserts 30 workflows started in one turn as one statement; an id already taken answers false and keeps the first', async () => {
    await counted.store.insertWorkflow({
      id: 'taken',
      name: 'first',
      input: '"first"',
      now: T0,
    });
    sent.length = 0;
    const answers = await Promise.all([
      ...Array.from({ length: 29 }, (_, i) =>
        counted.store.insertWorkflow(
          {
            id: `new-${i}`,
            name: 'started',
            input: JSON.stringify({ i }),
            now: T0,
            priority: i,
            concurrencyKey: i % 2 === 0 ? `key-${i}` : undefined,
          },
          i === 0 ? { token: 'mine', until: T0 + MINUTE } : undefined,
        ),
      ),
      counted.store.insertWorkflow({
        id: 'taken',
        name: 'second',
        input: '"second"',
        now: T0,
      }),
    ]);
    expect(answers).toEqual([...Array<boolean>(29).fill(true), false]);
    expect(sent).toHaveLength(1);
    expect(await counted.store.getWorkflow('taken')).toMatchObject({
      name: 'first',
      input: '"first"',
    });
    expect(await counted.store.getWorkflow('new-0')).toMatchObject({
      status: 'running',
      input: '{"i":0}',
      concurrencyKey: 'key-0',
    });
    expect(await counted.store.getWorkflow('new-2')).toMatchObject({
      priority: 2,
      concurrencyKey: 'key-2',
    });
    expect(await counted.store.getWorkflow('new-7')).toMatchObject({
      status: 'idle',
      priority: 7,
    });
    expect(
      (await counted.store.getWorkflow('new-7'))?.concurrencyKey,
    ).toBeUndefined();
  });
});
