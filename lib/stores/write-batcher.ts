/**
 * One kind of write, as a `WriteBatcher` runs it: alone (the single-write statement), or many in
 * one statement whose answers come back in the order of the inputs.
 */
export interface BatchKind<In, Out> {
  /** Writes of one key (a workflow's id) never share a statement: the later waits its turn. */
  key(input: In): string;
  /** How big a write is on the wire (its text), where a statement's size is bounded. */
  size?(input: In): number;
  one(input: In): Promise<Out>;
  many(inputs: In[]): Promise<Out[]>;
}

/** How a store's batches are bounded, and which of its errors leave nothing applied. */
export interface BatchLimits {
  /** Writes in one statement at most: past that, the writes of a turn go in several. */
  maxWrites: number;
  /** The writes' summed `size` in one statement at most (with `BatchKind.size`). */
  maxChars?: number;
  /**
   * Whether the server refused the statement with an error of its own, so that none of it was
   * applied: not a lost connection nor a server shutting down, after which the statement may
   * have committed with its answer lost.
   */
  refusedByServer(error: unknown): boolean;
}

interface Pending<In, Out> {
  input: In;
  resolve: (value: Out) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for the SQL stores: the writes of one kind that become ready in one turn of the
 * event loop (the steps of many runs finishing together) go to the server as one statement, so
 * one round trip and one commit serve them all. Each caller's promise settles only once the
 * commit that holds its write is done, with its own answer (a fenced write whose lease is lost
 * answers `false` for that caller alone).
 *
 * No timer: the queue is sent at the end of the turn it filled in (`setImmediate`), so a write
 * alone waits for nothing, and goes as the single-write statement it always was.
 *
 * When the server refuses the batch statement, nothing of it was applied, and each write is sent
 * again alone: one caller's bad write fails that caller only. When the connection is lost the
 * statement may or may not have committed, as for a write sent alone, and every caller in it
 * gets the error.
 */
export class WriteBatcher<In, Out> {
  private queue: Pending<In, Out>[] = [];
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly kind: BatchKind<In, Out>,
    private readonly limits: BatchLimits,
  ) {}

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
      await Promise.all(this.chunks(layer).map((chunk) => this.run(chunk)));
    }
  }

  /** A layer in statements of at most `maxWrites` writes and `maxChars` of text. */
  private chunks(layer: Pending<In, Out>[]): Pending<In, Out>[][] {
    const { maxWrites, maxChars = Infinity } = this.limits;
    const size = this.kind.size?.bind(this.kind);
    const out: Pending<In, Out>[][] = [];
    let chunk: Pending<In, Out>[] = [];
    let chars = 0;
    for (const write of layer) {
      const bytes = size ? size(write.input) : 0;
      if (
        chunk.length > 0 &&
        (chunk.length >= maxWrites || chars + bytes > maxChars)
      ) {
        out.push(chunk);
        chunk = [];
        chars = 0;
      }
      chunk.push(write);
      chars += bytes;
    }
    if (chunk.length > 0) out.push(chunk);
    return out;
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
      if (!this.limits.refusedByServer(error)) {
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
