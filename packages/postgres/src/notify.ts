/**
 * LISTEN/NOTIFY on one dedicated connection that reconnects with backoff. Writers call
 * `pg_notify(channel, instanceId)` in the transaction that makes work claimable; this store's own
 * listeners are called directly after its commit, so notifications carrying our own instance id are
 * skipped. After a reconnect every listener is called once, since notifications may have been missed.
 * Polling stays the engine's fallback.
 *
 * Only channels this process has listeners for are LISTENed (a channel's first listener adds its LISTEN
 * on a live connection, and is then called once, as after a reconnect): an engine without a journal
 * reader is not woken by every commit's run event notification, which cost a process wake-up on each
 * side per commit.
 */
import pg from 'pg';

export const WORK_CHANNEL = 'kontroler_work';
export const OUTBOX_CHANNEL = 'kontroler_outbox';
/** Run events were journaled; the payload is the newest id (readers read the table, never the payload). */
export const EVENTS_CHANNEL = 'kontroler_events';
export type Channel = typeof WORK_CHANNEL | typeof OUTBOX_CHANNEL | typeof EVENTS_CHANNEL;
const CHANNELS: readonly Channel[] = [WORK_CHANNEL, OUTBOX_CHANNEL, EVENTS_CHANNEL];

export interface NotifierOptions {
  readonly connection: pg.ClientConfig;
  /** Our own notifications carry this payload and are not delivered twice. */
  readonly instanceId: string;
  /** Called when the listening connection fails (it reconnects by itself). */
  readonly onError?: (error: unknown) => void;
}

export class Notifier {
  private readonly listeners = new Map<Channel, Set<() => void>>(CHANNELS.map((c) => [c, new Set()]));
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private backoffMs = 50;
  private closed = false;
  /** Channels LISTENed on the current connection. */
  private listening = new Set<Channel>();
  /** LISTEN statements run one after another on the connection. */
  private listenChain: Promise<void> = Promise.resolve();

  constructor(private readonly options: NotifierOptions) {}

  /** Registers a listener; the connection opens with the first one. */
  subscribe(channel: Channel, listener: () => void, options: { connect?: boolean } = {}): () => void {
    const set = this.listeners.get(channel);
    set?.add(listener);
    if ((options.connect ?? true) && !this.closed && !this.client && !this.connecting && !this.retryTimer) {
      this.connect();
    } else if (this.client !== undefined) {
      this.listenMissing(this.client);
    }
    return () => {
      set?.delete(listener);
    };
  }

  /** Calls this process's listeners of a channel (after our own commit). */
  fire(channel: Channel): void {
    for (const listener of [...(this.listeners.get(channel) ?? [])]) {
      try {
        listener();
      } catch {
        // A listener that throws must not break the writer or the other listeners.
      }
    }
  }

  private connect(): void {
    const client = new pg.Client(this.options.connection);
    const fail = (error: unknown): void => {
      if (this.client === client) this.client = undefined;
      client.removeAllListeners('notification');
      client.end().catch(() => undefined);
      if (this.closed) return;
      this.options.onError?.(error);
      this.scheduleReconnect();
    };
    client.on('error', fail);
    client.on('end', () => {
      if (this.client === client) fail(new Error('LISTEN connection ended'));
    });
    client.on('notification', (message) => {
      if (message.payload === this.options.instanceId) return;
      const channel = CHANNELS.find((c) => c === message.channel);
      if (channel !== undefined) this.fire(channel);
    });
    this.connecting = (async () => {
      try {
        await client.connect();
        const wanted = this.wanted();
        if (wanted.length > 0) await client.query(wanted.map((c) => `listen ${c}`).join('; '));
        if (this.closed) {
          await client.end();
          return;
        }
        const reconnected = this.backoffMs > 50;
        this.client = client;
        this.listening = new Set(wanted);
        this.listenChain = Promise.resolve();
        this.backoffMs = 50;
        if (reconnected) for (const channel of CHANNELS) this.fire(channel);
        // Journal readers look up "now" before LISTEN is up: events between the two were not announced.
        else this.fire(EVENTS_CHANNEL);
        // Channels whose first listener came while the connection was being opened.
        this.listenMissing(client);
      } catch (error) {
        fail(error);
      } finally {
        this.connecting = undefined;
      }
    })();
  }

  /** Channels with listeners. */
  private wanted(): Channel[] {
    return CHANNELS.filter((c) => (this.listeners.get(c)?.size ?? 0) > 0);
  }

  /**
   * LISTENs on `client` to the channels that have listeners and are not yet LISTENed; each channel's
   * listeners are then called once (what was committed before its LISTEN was not announced to them).
   */
  private listenMissing(client: pg.Client): void {
    const missing = this.wanted().filter((c) => !this.listening.has(c));
    if (missing.length === 0) return;
    for (const channel of missing) this.listening.add(channel);
    this.listenChain = this.listenChain.then(async () => {
      if (this.client !== client) return;
      try {
        await client.query(missing.map((c) => `listen ${c}`).join('; '));
      } catch {
        // The connection failed: its 'error' handler reconnects, and a reconnect LISTENs to every wanted
        // channel and calls every listener.
        return;
      }
      for (const channel of missing) this.fire(channel);
    });
  }

  private scheduleReconnect(): void {
    if (this.retryTimer || this.closed) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 5000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.closed && !this.client && !this.connecting) this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
