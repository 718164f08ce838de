import type { Socket } from 'node:net';
import { FrameDecoder, isProtocolError } from '@tributary/protocol';
import type { Logger } from 'pino';
import type { Dispatcher } from '../handlers/dispatcher.js';
import type { ConnectionInfo } from '../handlers/handler.js';

const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ConnectionLimits {
  /** socket.request.max.bytes: a larger size prefix closes the connection before any buffering. */
  readonly maxRequestBytes: number;
  /** queued.max.requests, per connection: read-ahead requests before the socket is paused. */
  readonly maxQueuedRequests: number;
  /** connections.max.idle.ms: no traffic and nothing in progress for this long closes it. */
  readonly idleTimeoutMs: number;
}

/** A snapshot of one connection's state, for tests and diagnostics. */
export interface ConnectionStats {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Requests received and not yet started. */
  readonly queuedRequests: number;
  /** True while a request is being handled. */
  readonly busy: boolean;
  /** True while the broker has stopped reading from the socket (backpressure). */
  readonly paused: boolean;
  /** Response bytes handed to the socket but not yet sent to the kernel. */
  readonly pendingWriteBytes: number;
  readonly bytesRead: number;
  readonly requestsHandled: number;
}

/**
 * One client connection: frames in, responses out, strictly in request order.
 *
 * Requests of a connection are handled one at a time, as Kafka does (it mutes a connection while a
 * request is in progress): a client pipelining produce requests gets them appended in the order it
 * sent them. Further requests are read ahead into a bounded queue. Reading stops (socket.pause)
 * when that queue is full or when the socket's write buffer is over its high-water mark because
 * the client is not reading its responses; no new request is started until the buffer drains. So
 * the memory a connection holds is bounded by the queue, one chunk of read-ahead, the frame being
 * assembled (≤ maxRequestBytes) and one response beyond the high-water mark.
 */
export class Connection {
  private readonly decoder: FrameDecoder;
  private readonly queue: Buffer[] = [];
  private busy = false;
  private paused = false;
  private closing = false;
  private finishing = false;
  private closed = false;
  private bytesRead = 0;
  private requestsHandled = 0;
  private readonly closedPromise: Promise<void>;

  constructor(
    private readonly socket: Socket,
    readonly info: ConnectionInfo,
    private readonly dispatcher: Dispatcher,
    private readonly limits: ConnectionLimits,
    private readonly log: Logger,
  ) {
    this.decoder = new FrameDecoder(limits.maxRequestBytes);
    this.closedPromise = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.pump());
    socket.on('error', (err) => this.log.debug({ conn: info.id, err: err.message }, 'connection error'));
    socket.on('close', () => {
      this.closed = true;
      this.queue.length = 0;
    });
    if (limits.idleTimeoutMs > 0) {
      // Node timers cap at 2^31-1 ms (and turn larger values into 1 ms): treat more as "never".
      const idleMs = Math.min(limits.idleTimeoutMs, MAX_TIMER_MS);
      socket.setTimeout(idleMs, () => {
        // In progress or queued work is activity even if no byte moved for a while (a long poll).
        if (this.busy || this.queue.length > 0) return;
        this.log.debug({ conn: info.id }, `closing connection idle for ${limits.idleTimeoutMs} ms`);
        socket.destroy();
      });
    }
  }

  stats(): ConnectionStats {
    return {
      id: this.info.id,
      remoteAddress: this.info.remoteAddress,
      remotePort: this.info.remotePort,
      queuedRequests: this.queue.length,
      busy: this.busy,
      paused: this.paused,
      pendingWriteBytes: this.socket.writableLength,
      bytesRead: this.bytesRead,
      requestsHandled: this.requestsHandled,
    };
  }

  /** Resolves when the socket has closed. */
  get whenClosed(): Promise<void> {
    return this.closedPromise;
  }

  /**
   * Graceful close for broker shutdown: read nothing more, drop requests not yet started (the
   * client never got an answer for them and will retry elsewhere), let the request in progress
   * finish and its response be sent, then close. Resolves when the socket is closed.
   */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    this.queue.length = 0;
    this.socket.pause();
    this.paused = true;
    if (!this.busy) this.finish();
    // Otherwise pump() finishes the socket when the in-progress request completes.
    await this.closedPromise;
  }

  /**
   * Sends what is buffered, then closes without waiting for the client to close its side (a client
   * that never does must not hold up shutdown).
   */
  private finish(): void {
    if (this.finishing) return;
    this.finishing = true;
    this.socket.end(() => this.socket.destroy());
  }

  /** Closes at once (shutdown deadline passed, or a protocol violation). */
  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    this.bytesRead += chunk.length;
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.violation(isProtocolError(err) ? err.message : String(err));
      return;
    }
    for (const f of frames) this.queue.push(f);
    this.pump();
  }

  /** Starts the next request if nothing is in progress and the client is keeping up. */
  private pump(): void {
    if (this.closed) return;
    if (this.closing) {
      if (!this.busy) this.finish();
      return;
    }
    if (!this.busy && !this.socket.writableNeedDrain) {
      const frame = this.queue.shift();
      if (frame !== undefined) this.run(frame);
    }
    this.applyBackpressure();
  }

  private run(frame: Buffer): void {
    this.busy = true;
    this.dispatcher.dispatch(frame, this.info).then(
      (outcome) => {
        this.busy = false;
        this.requestsHandled++;
        if (outcome.kind === 'close') {
          this.violation(outcome.reason);
          return;
        }
        if (outcome.kind === 'respond' && !this.closed && this.socket.writable) this.socket.write(outcome.frame);
        this.pump();
      },
      (err: unknown) => {
        // dispatch() is written never to reject; if it does, this connection cannot continue.
        this.busy = false;
        this.log.error({ conn: this.info.id, err }, 'request dispatch failed unexpectedly; closing the connection');
        this.socket.destroy();
      },
    );
  }

  private applyBackpressure(): void {
    const full = this.queue.length >= this.limits.maxQueuedRequests || this.socket.writableNeedDrain;
    if (full && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (!full && this.paused && !this.closing) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /** The peer broke the protocol: only this connection is closed. */
  private violation(reason: string): void {
    this.log.warn({ conn: this.info.id, remote: `${this.info.remoteAddress}:${this.info.remotePort}` }, `closing connection: ${reason}`);
    this.closing = true;
    this.queue.length = 0;
    this.socket.destroy();
  }
}
