import pg from 'pg';
import type { Logger } from 'pino';

export type NotificationHandler = (payload: string) => void;

const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 2_000;

/**
 * PostgreSQL LISTEN/NOTIFY for the replicas: one dedicated connection that
 * listens on every channel asked for, and reconnects (re-listening) when it
 * breaks. Notifications sent while it was down are lost: `onReconnect`
 * handlers run after each reconnect so that their owners catch up from the
 * tables, which stay the source of truth.
 */
export class PgNotifications {
  private client: pg.Client | undefined;
  private readonly handlers = new Map<string, Set<NotificationHandler>>();
  private readonly reconnectHandlers = new Set<() => void>();
  private readonly sender: pg.Pool;
  private stopped = false;
  private reconnectDelayMs = RECONNECT_FIRST_MS;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly log: Logger,
  ) {
    this.sender = new pg.Pool({ connectionString: url, max: 2 });
    this.sender.on('error', (err) => log.warn({ err }, 'idle notification connection failed'));
  }

  /** Connects and listens; rejects when the first connection fails. */
  async start(): Promise<void> {
    await this.connect();
  }

  /** Calls `handler` with the payload of every notification on `channel`; returns the function that stops it. */
  async listen(channel: string, handler: NotificationHandler): Promise<() => void> {
    let set = this.handlers.get(channel);
    if (!set) {
      this.handlers.set(channel, (set = new Set()));
      await this.client?.query(`listen ${pg.escapeIdentifier(channel)}`);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Runs `handler` after every reconnect of the listening connection. */
  onReconnect(handler: () => void): () => void {
    this.reconnectHandlers.add(handler);
    return () => this.reconnectHandlers.delete(handler);
  }

  /** Sends a notification (delivered to every listener, this process's included, once the statement commits). */
  async notify(channel: string, payload: string): Promise<void> {
    await this.sender.query('select pg_notify($1, $2)', [channel, payload]);
  }

  /** Sends a notification per payload, in one statement (one round trip; delivered together once it commits). */
  async notifyAll(channel: string, payloads: readonly string[]): Promise<void> {
    if (payloads.length === 0) return;
    await this.sender.query('select pg_notify($1, payload) from unnest($2::text[]) as payload', [channel, payloads]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
    await this.sender.end();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (message) => {
      for (const handler of this.handlers.get(message.channel) ?? []) {
        try {
          handler(message.payload ?? '');
        } catch (err) {
          this.log.error({ err, channel: message.channel }, 'notification handler failed');
        }
      }
    });
    client.on('error', (err) => {
      this.log.warn({ err }, 'notification connection failed; reconnecting');
      this.lost(client);
    });
    client.on('end', () => this.lost(client));
    await client.connect();
    for (const channel of this.handlers.keys()) await client.query(`listen ${pg.escapeIdentifier(channel)}`);
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
  }

  private lost(client: pg.Client): void {
    if (this.client !== client || this.stopped) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().then(
        () => {
          this.reconnectDelayMs = RECONNECT_FIRST_MS;
          this.log.info('notification connection back');
          for (const handler of this.reconnectHandlers) handler();
        },
        (err: unknown) => {
          this.log.warn({ err }, 'notification connection still down');
          this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, RECONNECT_MAX_MS);
          this.scheduleReconnect();
        },
      );
    }, this.reconnectDelayMs);
    this.reconnectTimer.unref();
  }
}
