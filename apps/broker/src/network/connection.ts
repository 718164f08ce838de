import type { Socket } from 'node:net';
import { ApiKey, FrameDecoder, isProtocolError } from '@tributary/protocol';
import type { Logger } from 'pino';
import type { DispatchOutcome, Dispatcher } from '../handlers/dispatcher.js';
import type { ConnectionInfo } from '../handlers/handler.js';
import type { KafkaPrincipal } from '../security/principal.js';
import type { AuthStep, SaslServerAuthenticator } from '../security/sasl-authenticator.js';

const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ConnectionLimits {
  /** socket.request.max.bytes: a larger size prefix closes the connection before any buffering. */
  readonly maxRequestBytes: number;
  /** queued.max.requests, per connection: read-ahead requests before the socket is paused. */
  readonly maxQueuedRequests: number;
  /** connections.max.idle.ms: no traffic and nothing in progress for this long closes it. */
  readonly idleTimeoutMs: number;
}

/** ConnectionInfo as the network layer keeps it: the principal changes when SASL completes. */
export type MutableConnectionInfo = { -readonly [K in keyof ConnectionInfo]: ConnectionInfo[K] };

/** A snapshot of one connection's state, for tests and diagnostics. */
export interface ConnectionStats {
  readonly id: number;
  readonly listenerName: string;
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
  /** Who the client is (User:ANONYMOUS until SASL authentication completes). */
  readonly principal: KafkaPrincipal | undefined;
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
 *
 * On a SASL listener every frame goes to the connection's authenticator until the client has
 * authenticated, with frames capped at sasl.server.max.receive.size meanwhile; afterwards frames
 * go to the dispatcher as on any listener, except a SaslHandshake that starts re-authentication and
 * any request once the session has expired (connections.max.reauth.ms), which closes the connection.
 */
export class Connection {
  private decoder: FrameDecoder;
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
    readonly info: MutableConnectionInfo,
    private readonly dispatcher: Dispatcher,
    private readonly limits: ConnectionLimits,
    private readonly log: Logger,
    /** Present on SASL listeners. */
    private readonly authenticator?: SaslServerAuthenticator,
  ) {
    const maxFrame = authenticator ? Math.min(authenticator.maxReceiveSize, limits.maxRequestBytes) : limits.maxRequestBytes;
    this.decoder = new FrameDecoder(maxFrame);
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
      listenerName: this.info.listenerName,
      remoteAddress: this.info.remoteAddress,
      remotePort: this.info.remotePort,
      queuedRequests: this.queue.length,
      busy: this.busy,
      paused: this.paused,
      pendingWriteBytes: this.socket.writableLength,
      bytesRead: this.bytesRead,
      requestsHandled: this.requestsHandled,
      principal: this.info.principal,
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
    this.route(frame).then(
      (outcome) => {
        this.busy = false;
        this.requestsHandled++;
        if (outcome.kind === 'close') {
          // A failed login is the client's business (the authenticator logged it); a broken protocol is a warning.
          if ('authenticationFailed' in outcome) this.closeAfter(outcome.frame, outcome.reason);
          else this.violation(outcome.reason);
          return;
        }
        if (outcome.kind === 'authenticated' && !this.authenticated(outcome.principal)) return;
        if (outcome.kind !== 'none' && !this.closed && this.socket.writable) this.socket.write(outcome.frame);
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

  /** Where a frame goes: the authenticator while (re-)authenticating, else the dispatcher. */
  private route(frame: Buffer): Promise<DispatchOutcome | AuthStep> {
    const auth = this.authenticator;
    if (auth === undefined) return this.dispatcher.dispatch(frame, this.info);
    if (auth.inProgress) return auth.handle(frame);
    const apiKey = frame.length >= 2 ? frame.readInt16BE(0) : -1;
    // Kafka's KafkaChannel.maybeBeginServerReauthentication: a handshake on an authenticated connection.
    if (apiKey === ApiKey.SaslHandshake && auth.beginReauthentication()) return auth.handle(frame);
    if (auth.sessionExpired()) {
      const reason = 'SASL session expired (connections.max.reauth.ms) and the client did not re-authenticate';
      return Promise.resolve({ kind: 'close', reason, authenticationFailed: true });
    }
    return this.dispatcher.dispatch(frame, this.info);
  }

  /**
   * Authentication succeeded: requests may now be as large as socket.request.max.bytes. A client
   * that sent bytes past its last token before the answer came has broken the SASL exchange (no
   * client does; Kafka would read them as the next request, here they were held to the SASL limit).
   */
  private authenticated(principal: KafkaPrincipal): boolean {
    this.info.principal = principal;
    if (this.decoder.maxFrameSize === this.limits.maxRequestBytes) return true;
    if (this.decoder.pendingBytes > 0) {
      this.violation('bytes of a request arrived before SASL authentication completed');
      return false;
    }
    this.decoder = new FrameDecoder(this.limits.maxRequestBytes);
    return true;
  }

  /** Sends Kafka's last response to a failed authentication, if there is one, then closes. */
  private closeAfter(frame: Buffer | undefined, reason: string): void {
    this.log.debug({ conn: this.info.id, remote: `${this.info.remoteAddress}:${this.info.remotePort}` }, `closing connection: ${reason}`);
    this.closing = true;
    this.queue.length = 0;
    this.socket.pause();
    if (frame === undefined || this.closed || !this.socket.writable) {
      this.socket.destroy();
      return;
    }
    this.finishing = true;
    this.socket.end(frame, () => this.socket.destroy());
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
