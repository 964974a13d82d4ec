import Redis, { Pipeline } from 'ioredis';
import { Client } from 'pg';
import type { Readings } from './contender';
import type { BenchPostgres } from './postgres-server';

/** Clients of the bench's own (its statement counter), whose queries are not counted. */
const notCounted = new WeakSet<object>();
let queriesSent = 0;
let patched = false;

/**
 * Counts every query a `pg` client sends, in this process: one call of `Client.query` is one
 * round trip to the server (a client sends its next query once the last has been answered).
 * DBOS and the PostgreSQL store both talk through `pg`'s `Client`, pooled or not.
 */
function countPgQueries(): void {
  if (patched) return;
  patched = true;
  const query = Client.prototype.query as (...args: unknown[]) => unknown;
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    if (!notCounted.has(this)) queriesSent += 1;
    return query.apply(this, args);
  } as typeof Client.prototype.query;
}

/** A client whose queries the meter leaves out (the bench's own). */
export function uncounted<T extends object>(client: T): T {
  notCounted.add(client);
  return client;
}

/**
 * Round trips (queries sent by `pg` clients in this process) and statements the server executed
 * (pg_stat_statements, BEGIN and COMMIT included), each counted since the bench began.
 */
export function pgMeter(postgres: BenchPostgres): () => Promise<Readings> {
  countPgQueries();
  return async () => {
    const roundTrips = queriesSent;
    return { roundTrips, statements: await postgres.statements() };
  };
}

let redisRoundTrips = 0;
let redisPatched = false;

/**
 * Counts what ioredis clients send in this process: a command on its own is one round trip, and
 * so is a pipeline (or MULTI) sent with `exec`, written to the socket at once.
 */
function countRedisRoundTrips(): void {
  if (redisPatched) return;
  redisPatched = true;
  const send = Redis.prototype.sendCommand as (...args: unknown[]) => unknown;
  const exec = Pipeline.prototype.exec as (...args: unknown[]) => unknown;
  Redis.prototype.sendCommand = function (this: Redis, ...args: unknown[]) {
    if (!notCounted.has(this)) redisRoundTrips += 1;
    return send.apply(this, args);
  };
  Pipeline.prototype.exec = function (this: Pipeline, ...args: unknown[]) {
    redisRoundTrips += 1;
    return exec.apply(this, args);
  } as typeof Pipeline.prototype.exec;
}

/**
 * Round trips (commands and pipelines ioredis clients sent from this process) and commands the
 * Redis server executed (INFO's total_commands_processed: those a Lua script calls included;
 * `client`, the meter's own, is not counted as a round trip).
 */
export function redisMeter(client: Redis): () => Promise<Readings> {
  countRedisRoundTrips();
  uncounted(client);
  return async () => {
    const roundTrips = redisRoundTrips;
    const info = await client.info('stats');
    const processed = /total_commands_processed:(\d+)/.exec(info)?.[1];
    return {
      roundTrips,
      redisCommands: processed ? Number(processed) : undefined,
    };
  };
}
