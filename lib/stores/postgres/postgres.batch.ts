import { sqlState } from './postgres.queryable';

/**
 * One kind of write, as the batcher runs it: alone (the single-row statement), or many in one
 * statement over arrays whose answers come back in the order of the inputs.
 */
export interface BatchKind<In, Out> {
  /** Writes of one key (a workflow's id) never share a statement: the later waits its turn. */
  key(input: In): string;
  one(input: In): Promise<Out>;
  many(inputs: In[]): Promise<Out[]>;
}

interface Pending<In, Out> {
  input: In;
  resolve: (value: Out) => void;
  reject: (error: unknown) => void;
}

/** Rows in one statement at most: past that, the writes of a turn go in several. */
const MAX_BATCH = 500;

/**
 * Group commit for PostgreSQL: the writes of one kind that become ready in one turn of the event
 * loop (the steps of many runs finishing together) go to the server as one statement, so one
 * round trip and one commit serve them all. A single statement is one transaction: each caller's
 * promise settles only once the commit that holds its write is done, with its own answer (a
 * fenced write whose lease is lost answers `false` for that caller alone).
 *
 * No timer: the queue is sent at the end of the turn it filled in (`setImmediate`), so a write
 * alone waits for nothing, and goes as the single-row statement it always was.
 *
 * When the server rejects the batch statement (an error with a SQLSTATE, not a lost connection),
 * nothing of it was applied, and each write is sent again alone: one caller's bad write fails
 * that caller only. When the connection is lost the statement may or may not have committed, as
 * for a write sent alone, and every caller in it gets the error.
 */
export class WriteBatcher<In, Out> {
  private queue: Pending<In, Out>[] = [];
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly kind: BatchKind<In, Out>) {}

  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Sends what is queued now, and waits until every write sent has settled (before closing). */
  async drain(): Promise<void> {
    this.flush();
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private flush(): void {
    this.scheduled = false;
    const queue = this.queue;
    this.queue = [];
    if (queue.length === 0) return;
    const sent = this.runLayers(layers(queue, (input) => this.kind.key(input)));
    this.inFlight.add(sent);
    void sent.finally(() => this.inFlight.delete(sent));
  }

  /** Layer after layer (the second write of a key after the first); chunks of one at once. */
  private async runLayers(all: Pending<In, Out>[][]): Promise<void> {
    for (const layer of all) {
      const chunks: Promise<void>[] = [];
      for (let i = 0; i < layer.length; i += MAX_BATCH) {
        chunks.push(this.run(layer.slice(i, i + MAX_BATCH)));
      }
      await Promise.all(chunks);
    }
  }

  /** Runs one batch, settling each of its writes; never rejects. */
  private async run(batch: Pending<In, Out>[]): Promise<void> {
    if (batch.length === 1) {
      await settle(batch[0], () => this.kind.one(batch[0].input));
      return;
    }
    let answers: Out[];
    try {
      answers = await this.kind.many(batch.map(({ input }) => input));
    } catch (error) {
      if (!rejectedByServer(error)) {
        for (const write of batch) write.reject(error);
        return;
      }
      await Promise.all(
        batch.map((write) => settle(write, () => this.kind.one(write.input))),
      );
      return;
    }
    batch.forEach((write, i) => write.resolve(answers[i]));
  }
}

async function settle<In, Out>(
  write: Pending<In, Out>,
  run: () => Promise<Out>,
): Promise<void> {
  try {
    write.resolve(await run());
  } catch (error) {
    write.reject(error);
  }
}

/** The queue in layers: each key at most once per layer, in the order written. */
function layers<In, Out>(
  queue: Pending<In, Out>[],
  key: (input: In) => string,
): Pending<In, Out>[][] {
  const out: Pending<In, Out>[][] = [];
  const seen = new Map<string, number>();
  for (const write of queue) {
    const k = key(write.input);
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    (out[n] ??= []).push(write);
  }
  return out;
}

/**
 * Whether the server refused the statement (a SQLSTATE), so that none of it was applied: not a
 * lost connection (no SQLSTATE, class 08) nor a server shutting down (57P01-57P05), after which
 * the statement may have committed with its answer lost.
 */
export function rejectedByServer(error: unknown): boolean {
  const code = sqlState(error);
  return (
    code !== undefined && !code.startsWith('08') && !code.startsWith('57P')
  );
}
