import { createHash } from 'node:crypto';
import { mysqlErrno } from './mysql.retry';

/** How a batcher sends its writes: one alone, or many in one statement (answers in order). */
export interface MysqlBatchKind<In, Out> {
  /** Writes of one key (a workflow's id) never share a statement: the later waits its turn. */
  key(input: In): string;
  /** How big a write is on the wire (its text): a batch is split past `maxChars`. */
  size(input: In): number;
  one(input: In): Promise<Out>;
  many(inputs: In[]): Promise<Out[]>;
}

interface Pending<In, Out> {
  input: In;
  resolve: (value: Out) => void;
  reject: (error: unknown) => void;
}

/** Writes in one statement at most, and their text at most (well under max_allowed_packet). */
const MAX_WRITES = 200;
const MAX_CHARS = 1_000_000;

/**
 * Group commit for the MySQL store: the fenced writes that become ready in one turn of the event
 * loop (the steps of many runs finishing together) go as one `CALL`, one transaction and one
 * commit for them all. Each caller's promise settles once that commit is done, with its own
 * answer. A write alone goes as the single-write procedure it always was (no timer: the queue
 * is sent at the end of the turn it filled in).
 *
 * A batch the server refused (a server error number: nothing of it was kept, its procedure
 * rolled back) is sent again one write at a time, so one caller's bad write fails that caller
 * only. A lost connection fails every caller of the batch, as it fails a write sent alone (it
 * may or may not have committed; the fenced procedures recognise their own applied try).
 */
export class MysqlWriteBatcher<In, Out> {
  private queue: Pending<In, Out>[] = [];
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly kind: MysqlBatchKind<In, Out>) {}

  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Sends what is queued, and waits until every write sent has settled (before closing). */
  async drain(): Promise<void> {
    this.flush();
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private flush(): void {
    this.scheduled = false;
    const queue = this.queue;
    this.queue = [];
    if (queue.length === 0) return;
    const sent = this.sendLayers(queue);
    this.inFlight.add(sent);
    void sent.finally(() => this.inFlight.delete(sent));
  }

  /** Each key at most once per layer, in the order written; a layer after the one before. */
  private async sendLayers(queue: Pending<In, Out>[]): Promise<void> {
    const layers: Pending<In, Out>[][] = [];
    const seen = new Map<string, number>();
    for (const write of queue) {
      const key = this.kind.key(write.input);
      const n = seen.get(key) ?? 0;
      seen.set(key, n + 1);
      (layers[n] ??= []).push(write);
    }
    for (const layer of layers) {
      await Promise.all(this.chunks(layer).map((chunk) => this.send(chunk)));
    }
  }

  private chunks(layer: Pending<In, Out>[]): Pending<In, Out>[][] {
    const out: Pending<In, Out>[][] = [];
    let chunk: Pending<In, Out>[] = [];
    let chars = 0;
    for (const write of layer) {
      const size = this.kind.size(write.input);
      if (
        chunk.length > 0 &&
        (chunk.length >= MAX_WRITES || chars + size > MAX_CHARS)
      ) {
        out.push(chunk);
        chunk = [];
        chars = 0;
      }
      chunk.push(write);
      chars += size;
    }
    if (chunk.length > 0) out.push(chunk);
    return out;
  }

  /** Sends one chunk, settling each of its writes; never rejects. */
  private async send(chunk: Pending<In, Out>[]): Promise<void> {
    if (chunk.length === 1) {
      await settle(chunk[0], () => this.kind.one(chunk[0].input));
      return;
    }
    let answers: Out[];
    try {
      answers = await this.kind.many(chunk.map(({ input }) => input));
    } catch (error) {
      if (!refusedByServer(error)) {
        for (const write of chunk) write.reject(error);
        return;
      }
      await Promise.all(
        chunk.map((write) => settle(write, () => this.kind.one(write.input))),
      );
      return;
    }
    chunk.forEach((write, i) => write.resolve(answers[i]));
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

/**
 * Server errors after which the statement's outcome is unknown: the server shutting down
 * (1053), a connection aborted or killed (1152, 1927), MySQL 8's idle disconnect (4031).
 */
const OUTCOME_UNKNOWN = new Set([1053, 1152, 1927, 4031]);

/**
 * Whether the server refused the statement with an error of its own (ER_* numbers: 1000-1999,
 * 3000-4999), so that nothing of it was kept: not a client or connection error (2000s, the
 * socket's negative numbers, none at all), after which it may have committed.
 */
export function refusedByServer(error: unknown): boolean {
  const errno = mysqlErrno(error);
  if (errno === undefined || OUTCOME_UNKNOWN.has(errno)) return false;
  if ((error as { fatal?: unknown } | null)?.fatal === true) return false;
  return (errno >= 1000 && errno < 2000) || (errno >= 3000 && errno < 5000);
}

/** The key the server gives a workflow (SHA-256 of its id), as hex: the order rows lock in. */
const keyHex = (id: string): string =>
  createHash('sha256').update(id, 'utf8').digest('hex');

/**
 * Sends `inputs` ordered by their workflow's key (so two batches lock rows in one order, not
 * into a deadlock), through `send`, which answers a digit per input in the order sent (`0`: not
 * held, refused); the answers come back in the order of `inputs`.
 */
export async function inKeyOrder<In extends { id: string }>(
  inputs: In[],
  send: (ordered: In[]) => Promise<string>,
): Promise<boolean[]> {
  const keyed = inputs.map((input, at) => ({ at, key: keyHex(input.id) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const held = await send(keyed.map(({ at }) => inputs[at]));
  const answers = new Array<boolean>(inputs.length);
  keyed.forEach(
    ({ at }, i) => (answers[at] = held[i] !== undefined && held[i] !== '0'),
  );
  return answers;
}
