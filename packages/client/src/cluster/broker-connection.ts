import type { ApiKey, RequestByKey, ResponseByKey } from '@tributary/protocol';
import { ClosedError } from '../errors.js';
import { type Connection, type ConnectionOptions, type SendOptions } from '../network/connection.js';
import { Connection as ConnectionImpl } from '../network/connection.js';
import { backoffMs, sleep } from '../util/backoff.js';

export interface ReconnectOptions {
  /** reconnect.backoff.ms; default 50. */
  reconnectBackoffMs: number;
  /** reconnect.backoff.max.ms; default 1000. */
  reconnectBackoffMaxMs: number;
}

/**
 * A broker as the client sees it: its address and, lazily, one open connection to it. When the
 * connection fails it is replaced on the next request, after a jittered exponential backoff
 * that grows with consecutive failures (Kafka's reconnect.backoff.ms / .max.ms), so a broker that
 * is down is not hammered and many clients do not reconnect in lockstep.
 */
export class BrokerConnection {
  private conn: Connection | null = null;
  private connecting: Promise<Connection> | null = null;
  private failures = 0;
  private nextAttemptAt = 0;
  private closed = false;

  constructor(
    readonly nodeId: number,
    private hostValue: string,
    private portValue: number,
    private readonly options: Omit<ConnectionOptions, 'host' | 'port'> & ReconnectOptions,
  ) {}

  get host(): string {
    return this.hostValue;
  }
  get port(): number {
    return this.portValue;
  }
  get address(): string {
    return `${this.hostValue}:${this.portValue}`;
  }

  /** The open connection, if there is one right now (no connecting). */
  get current(): Connection | null {
    return this.conn?.isOpen ? this.conn : null;
  }

  /** The last connection attempt failed and the backoff before the next one has not passed. */
  get isBackingOff(): boolean {
    return this.conn?.isOpen !== true && this.nextAttemptAt > Date.now();
  }

  /** Requests in flight on the current connection (0 when none is open). */
  get inFlight(): number {
    return this.current?.inFlight ?? 0;
  }

  /** Moves the broker to a new address (metadata said so); the old connection is dropped. */
  updateAddress(host: string, port: number): void {
    if (host === this.hostValue && port === this.portValue) return;
    this.hostValue = host;
    this.portValue = port;
    this.conn?.close();
    this.conn = null;
  }

  /** An open, negotiated connection; connects (after the backoff, if the last attempt failed). */
  connection(): Promise<Connection> {
    if (this.closed) return Promise.reject(new ClosedError(`connection to broker ${this.address}`));
    if (this.conn?.isOpen) return Promise.resolve(this.conn);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  async request<K extends ApiKey>(apiKey: K, build: (version: number) => RequestByKey[K], options?: SendOptions): Promise<ResponseByKey[K]> {
    const conn = await this.connection();
    return conn.request(apiKey, build, options);
  }

  /** Drops the current connection; the next request opens a new one. */
  disconnect(): void {
    this.conn?.close();
    this.conn = null;
  }

  close(): void {
    this.closed = true;
    this.conn?.close();
    this.conn = null;
  }

  private async connect(): Promise<Connection> {
    const wait = this.nextAttemptAt - Date.now();
    if (wait > 0) await sleep(wait);
    if (this.closed) throw new ClosedError(`connection to broker ${this.address}`);
    try {
      const conn = await ConnectionImpl.connect({ ...this.options, host: this.hostValue, port: this.portValue });
      if (this.closed) {
        conn.close();
        throw new ClosedError(`connection to broker ${this.address}`);
      }
      this.failures = 0;
      this.nextAttemptAt = 0;
      this.conn = conn;
      conn.onClose(() => {
        // The next connect waits at least the initial backoff, as Kafka does after a disconnect.
        if (this.conn === conn) this.nextAttemptAt = Date.now() + backoffMs(0, this.backoff());
      });
      return conn;
    } catch (err) {
      this.nextAttemptAt = Date.now() + backoffMs(this.failures, this.backoff());
      this.failures++;
      throw err;
    }
  }

  private backoff() {
    return { initialMs: this.options.reconnectBackoffMs, maxMs: this.options.reconnectBackoffMaxMs };
  }
}
