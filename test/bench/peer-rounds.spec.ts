import type { Contender, Session } from '../../bench/peers/contender';
import { runRounds } from '../../bench/peers/rounds';

/**
 * The interleaved rounds measure each contender warm: a first session of its own, not counted,
 * runs the same workflows before round 1, so the first measured round of a contender does not
 * carry the process's first use of its code (V8 compiling it, a library's first connection)
 * while a later contender's does not. Contenders here are stand-ins that report, as their rate,
 * which session of theirs ran it.
 */
function standIn(label: string, opened: string[]): Contender {
  let sessions = 0;
  return {
    label,
    ours: label === 'ours',
    what: label,
    open: async (round): Promise<Session> => {
      opened.push(`${label}:${round}`);
      const session = ++sessions;
      return {
        throughput: async (workflows) => ({
          workflows,
          seconds: 1,
          workflowsPerSecond: session,
          stepsPerSecond: session * 3,
        }),
        oneAtATime: async (_workflow, workflows) =>
          Array.from({ length: workflows }, () => session),
        close: async () => {},
      };
    },
  };
}

describe('bench: interleaved rounds beside the peers', () => {
  it('warms every contender up in an unmeasured session before round 1', async () => {
    const opened: string[] = [];
    const progress: string[] = [];
    const figures = await runRounds(
      [standIn('ours', opened), standIn('peer', opened)],
      { rounds: 2, throughput: 10, latency: 3, costs: 2 },
      (line) => progress.push(line),
    );

    expect(opened).toEqual([
      'ours:warmup',
      'peer:warmup',
      'ours:r1',
      'peer:r1',
      'ours:r2',
      'peer:r2',
    ]);
    // Sessions 2 and 3 of each are the measured rounds; session 1, the warm-up, is in no figure.
    for (const label of ['ours', 'peer']) {
      expect(
        figures[label].throughput.map((rate) => rate.workflowsPerSecond),
      ).toEqual([2, 3]);
      expect(figures[label].latency.map((l) => l.p50Ms)).toEqual([2, 3]);
    }
    expect(progress.slice(0, 2)).toEqual([
      expect.stringMatching(/^peers, warm-up: ours \(/),
      expect.stringMatching(/^peers, warm-up: peer \(/),
    ]);
  });
});
