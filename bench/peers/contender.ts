import type { Rate } from '../scenarios/throughput';
import type { Percentiles } from '../stats';

/** The two workflows every contender runs: three no-op steps, and none (to tell a step's cost). */
export type PeerWorkflow = 'threeSteps' | 'noSteps';

/** One contender's figures in one round: fresh data of its own, used for both measurements. */
export interface Session {
  /** N 3-step workflows started at once, run in this process; first start to last finish. */
  throughput(workflows: number): Promise<Rate>;
  /** Start→finished of each of N workflows run one at a time, in ms. */
  oneAtATime(workflow: PeerWorkflow, workflows: number): Promise<number[]>;
  close(): Promise<void>;
}

/** What a meter reads: counters that only grow (queries sent, statements executed, commands). */
export type Readings = Record<string, number | undefined>;

/** Ours (a Lidex store) or a peer (DBOS, BullMQ), run the same way in interleaved rounds. */
export interface Contender {
  label: string;
  ours: boolean;
  /** What runs, in a few words: the store or library, the server, what is durable. */
  what: string;
  open(round: string): Promise<Session>;
  /** Counters read before and after a measured run, for the cost per workflow. */
  meter?: () => Promise<Readings>;
  /** Once, after every round. */
  close?: () => Promise<void>;
}

/** One contender's figures over all the rounds. */
export interface ContenderFigures {
  what: string;
  ours: boolean;
  throughput: Rate[];
  /** Median over the rounds. */
  workflowsPerSecond: number;
  /** CPU of this process per workflow in the throughput runs (µs), median over the rounds. */
  cpuUsPerWorkflow: number;
  latency: Percentiles[];
  /** Medians over the rounds of each round's p50 and p99. */
  p50Ms: number;
  p99Ms: number;
  /** Per 3-step workflow, and what one step adds: (3-step − no-step) / 3, started one at a time. */
  costs?: { workflows: number; perWorkflow: Readings; perStep: Readings };
}

export interface PeerSizes {
  rounds: number;
  /** Workflows at once in each contender's unmeasured warm-up session; default `throughput`. */
  warmUp?: number;
  throughput: number;
  latency: number;
  costs: number;
}

export const PEER_SIZES: Record<'quick' | 'full', PeerSizes> = {
  full: {
    rounds: 5,
    warmUp: 1_000,
    throughput: 3_000,
    latency: 300,
    costs: 200,
  },
  quick: { rounds: 2, throughput: 1_000, latency: 100, costs: 50 },
};
