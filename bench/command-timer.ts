import type { MongoClient } from 'mongodb';

/**
 * Times the commands a MongoClient (with `monitorCommands: true`) sends, from the moment the
 * driver writes each one to the moment its answer is read: the server's time plus a loopback
 * round trip. The driver's own `duration` is whole milliseconds; this is sub-millisecond.
 * Commands are kept under the label set with `as()`, only while one is set.
 */
export class CommandTimer {
  private readonly started = new Map<number, { label: string; at: number }>();
  private readonly samples = new Map<string, number[]>();
  private label: string | undefined;
  private readonly onStarted = (event: {
    requestId: number;
    commandName: string;
  }) => {
    if (this.label && this.commands.includes(event.commandName)) {
      this.started.set(event.requestId, {
        label: this.label,
        at: performance.now(),
      });
    }
  };
  private readonly onEnded = (event: { requestId: number }) => {
    const start = this.started.get(event.requestId);
    if (!start) return;
    this.started.delete(event.requestId);
    const list = this.samples.get(start.label) ?? [];
    list.push(performance.now() - start.at);
    this.samples.set(start.label, list);
  };

  constructor(
    private readonly client: MongoClient,
    /** Which commands to time, e.g. `['update']`. */
    private readonly commands: string[],
  ) {
    client.on('commandStarted', this.onStarted);
    client.on('commandSucceeded', this.onEnded);
    client.on('commandFailed', this.onEnded);
  }

  /** Runs `work`, timing the commands it sends under `label`. One at a time. */
  async as<T>(label: string, work: () => Promise<T>): Promise<T> {
    this.label = label;
    try {
      return await work();
    } finally {
      this.label = undefined;
    }
  }

  /** Every time recorded under `label`, in ms. */
  times(label: string): number[] {
    return this.samples.get(label) ?? [];
  }

  stop(): void {
    this.client.off('commandStarted', this.onStarted);
    this.client.off('commandSucceeded', this.onEnded);
    this.client.off('commandFailed', this.onEnded);
  }
}
