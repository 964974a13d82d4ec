import { type Job, Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { rate } from '../scenarios/throughput';
import { THROUGHPUT_CONCURRENCY } from '../engines';
import { elapsedMs } from '../stats';
import type { Contender, PeerWorkflow } from './contender';
import { redisMeter } from './meters';
import type { BenchRedisServer } from './redis-server';

/**
 * BullMQ on the Redis server the bench started: a `Queue` and a `Worker` in this process, a queue
 * of its own per round. The job awaits three no-op functions ('threeSteps') or none ('noSteps'):
 * nothing is recorded between them, so a crash mid-job runs the whole job again. BullMQ's defaults
 * (jobs kept once completed, default job options), but for the worker's concurrency, set to the
 * concurrency of our throughput scenario. "Finished" is the worker's `completed` event, emitted
 * once the job has been moved to completed in Redis.
 */
export function bullmqContender(redis: BenchRedisServer): Contender {
  const connection = {
    host: redis.host,
    port: redis.port,
    maxRetriesPerRequest: null,
  };
  const info = new IORedis(connection);
  const noop = () => Promise.resolve(1);
  const processor = async (job: Job) => {
    if (job.name === 'threeSteps') {
      await noop();
      await noop();
      await noop();
    }
    return 'ok';
  };
  return {
    label: 'bullmq',
    ours: false,
    what: `BullMQ, ${redis.source.split(',')[0]}, not durable per step`,
    meter: redisMeter(info),
    close: async () => {
      await info.quit();
    },
    open: async (round) => {
      const name = `lidex-bench-${round}`;
      const queue = new Queue(name, { connection });
      const worker = new Worker(name, processor, {
        connection,
        concurrency: THROUGHPUT_CONCURRENCY,
      });
      let completed = 0;
      const waiting = new Map<string, () => void>();
      let countWaiter: { total: number; resolve: () => void } | undefined;
      worker.on('completed', (job: Job) => {
        completed += 1;
        const waiter = job.id ? waiting.get(job.id) : undefined;
        if (waiter) {
          waiting.delete(job.id!);
          waiter();
        }
        if (countWaiter && completed >= countWaiter.total) {
          countWaiter.resolve();
          countWaiter = undefined;
        }
      });
      let failure: Error | undefined;
      worker.on('failed', (_job, error: Error) => (failure ??= error));
      await worker.waitUntilReady();
      const allCompleted = (total: number) =>
        completed >= total
          ? Promise.resolve()
          : new Promise<void>((resolve) => (countWaiter = { total, resolve }));
      let next = 0;
      const add = (workflow: PeerWorkflow) =>
        queue.add(workflow, null, { jobId: `j${next++}` });
      return {
        throughput: async (count) => {
          const before = completed;
          const started = process.hrtime.bigint();
          await Promise.all(
            Array.from({ length: count }, () => add('threeSteps')),
          );
          await allCompleted(before + count);
          if (failure) throw failure;
          return rate(count, elapsedMs(started));
        },
        oneAtATime: async (workflow, count) => {
          const samples: number[] = [];
          for (let i = 0; i < count; i++) {
            const id = `j${next}`;
            const done = new Promise<void>((resolve) =>
              waiting.set(id, resolve),
            );
            const started = process.hrtime.bigint();
            await add(workflow);
            await done;
            samples.push(elapsedMs(started));
          }
          if (failure) throw failure;
          return samples;
        },
        close: async () => {
          await worker.close();
          await queue.close();
        },
      };
    },
  };
}
