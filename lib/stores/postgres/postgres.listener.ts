import type { Client, ClientConfig } from 'pg';
import { messages } from '../../lidex.messages';
import type { StoreLogger } from '../persistence';

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

/**
 * One connection that LISTENs on the store's channel: `take()` says, without a query, whether a
 * notification came since it was last asked. When the connection is lost it reconnects with
 * backoff, and then answers `true` once, since notifications sent meanwhile were missed.
 */
export class PostgresListener {
  private client?: Client;
  private notified = false;
  private closed = false;
  private retryMs = RETRY_MIN_MS;
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly ClientClass: typeof Client,
    private readonly config: ClientConfig,
    private readonly channel: string,
    private readonly logger: StoreLogger | undefined,
    private readonly describe: () => string,
  ) {}

  /** Connects and listens; rejects when the first connection fails. */
  async open(): Promise<void> {
    const client = new this.ClientClass(this.config);
    client.on('notification', () => {
      this.notified = true;
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = RETRY_MIN_MS;
  }

  take(): boolean {
    const notified = this.notified;
    this.notified = false;
    return notified;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }

  private lost(client: Client): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    this.logger?.warn(messages.postgresListenerLost(this.describe()));
    this.reconnect();
  }

  private reconnect(): void {
    if (this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.open().then(
        () => {
          // Whatever was notified while disconnected is missed: look once.
          this.notified = true;
        },
        () => {
          this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
          this.reconnect();
        },
      );
    }, this.retryMs);
    this.retryTimer.unref();
  }
}
