import net from 'node:net';
import tls from 'node:tls';
import {
  ApiKey,
  type ApiVersionRange,
  DEFAULT_MAX_FRAME_SIZE,
  ErrorCode,
  FrameDecoder,
  KafkaError,
  ProtocolError,
  type RequestByKey,
  type ResponseByKey,
  decodeResponse,
  encodeRequest,
  peekCorrelationId,
  pickVersion,
} from '@tributary/protocol';
import { AuthenticationError, ConnectionError, RequestTimeoutError, UnsupportedVersionError } from '../errors.js';
import { CLIENT_VERSIONS } from './client-versions.js';
import { type SaslOptions, createSaslExchange } from './sasl/index.js';

export interface ConnectionOptions {
  host: string;
  port: number;
  clientId: string;
  /** TLS: true for the system CAs, or Node's tls options (ca, cert, key, rejectUnauthorized...). */
  tls?: boolean | tls.ConnectionOptions;
  sasl?: SaslOptions;
  /** socket.connection.setup.timeout.ms; default 10000. */
  connectTimeoutMs?: number;
  /** request.timeout.ms; default 30000. */
  requestTimeoutMs?: number;
  /** Largest response frame accepted. */
  maxFrameSize?: number;
}

export interface SendOptions {
  /** Overrides request.timeout.ms for this request (Fetch adds its max wait). */
  timeoutMs?: number;
  /** acks=0 Produce: the broker sends nothing back; the promise settles once the bytes are written. */
  expectResponse?: boolean;
}

interface Pending {
  apiKey: number;
  version: number;
  timer: NodeJS.Timeout;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  decode(payload: Buffer): unknown;
}

const CLIENT_SOFTWARE_NAME = 'tributary-client';
const CLIENT_SOFTWARE_VERSION = '0.1.0';
const INT32_MAX = 0x7fffffff;

/**
 * One TCP (or TLS) connection to one broker: framing, correlation ids, any number of requests in
 * flight (Kafka answers them in order, but we route by correlation id), per-request timeouts, and
 * the connection handshake: ApiVersions (so every request uses the highest version both sides
 * support) and SASL when configured. A connection never reconnects itself; BrokerConnection does.
 */
export class Connection {
  readonly address: string;
  /** The broker's supported version ranges, from ApiVersions. */
  readonly versions = new Map<number, ApiVersionRange>();
  private readonly decoder: FrameDecoder;
  private readonly pending = new Map<number, Pending>();
  private readonly closeListeners: Array<(err: Error) => void> = [];
  private readonly requestTimeoutMs: number;
  private nextCorrelationId = 0;
  private closedWith: Error | null = null;
  /** When to re-authenticate (ms since the epoch): before the broker's SASL session lifetime ends. */
  private reauthenticateAt = Infinity;
  /** The re-authentication in progress; requests wait for it (the broker refuses them meanwhile). */
  private reauthentication: Promise<void> | null = null;

  private constructor(
    private readonly socket: net.Socket,
    private readonly options: ConnectionOptions,
  ) {
    this.address = `${options.host}:${options.port}`;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.decoder = new FrameDecoder(options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.close(new ConnectionError(`connection failed: ${err.message}`, this.address, { cause: err })));
    socket.on('close', () => this.close(new ConnectionError('connection closed by the broker', this.address)));
  }

  /** Opens a connection and completes ApiVersions negotiation and SASL authentication. */
  static async connect(options: ConnectionOptions): Promise<Connection> {
    const socket = await openSocket(options);
    const conn = new Connection(socket, options);
    try {
      await conn.negotiateVersions();
      if (options.sasl) await conn.authenticate(options.sasl);
    } catch (err) {
      conn.close(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
    return conn;
  }

  get isOpen(): boolean {
    return this.closedWith === null;
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** The version to use for an API: highest supported by both; undefined when none is. */
  versionFor(apiKey: ApiKey): number | undefined {
    const ours = CLIENT_VERSIONS[apiKey];
    return ours === undefined ? undefined : pickVersion(apiKey, ours, this.versions);
  }

  /** Whether the broker supports the API at a version we speak. */
  supports(apiKey: ApiKey): boolean {
    return this.versionFor(apiKey) !== undefined;
  }

  /**
   * Sends a request at the negotiated version; `build` fills the body for that version (fields
   * differ between versions). Throws UnsupportedVersionError when no version is shared.
   */
  request<K extends ApiKey>(apiKey: K, build: (version: number) => RequestByKey[K], options?: SendOptions): Promise<ResponseByKey[K]> {
    const version = this.versionFor(apiKey);
    if (version === undefined) {
      return Promise.reject(new UnsupportedVersionError(`broker ${this.address} supports no version of API ${ApiKey[apiKey]} that this client speaks`));
    }
    return this.send(apiKey, version, build(version), options);
  }

  /** Sends a request at an explicit version. */
  send<K extends ApiKey>(apiKey: K, version: number, body: RequestByKey[K], options?: SendOptions): Promise<ResponseByKey[K]> {
    const send = () => this.sendWith(apiKey, version, body, options, (payload) => decodeResponse(apiKey, version, payload).body) as Promise<ResponseByKey[K]>;
    // KIP-368: once the SASL session nears its end, re-authenticate before anything else is sent.
    if (this.reauthentication === null && (this.reauthenticateAt === Infinity || Date.now() < this.reauthenticateAt)) return send();
    this.reauthentication ??= this.reauthenticate();
    return this.reauthentication.then(send);
  }

  onClose(listener: (err: Error) => void): void {
    if (this.closedWith) listener(this.closedWith);
    else this.closeListeners.push(listener);
  }

  /** Closes the socket; every request in flight fails with `err` (a ConnectionError by default). */
  close(err: Error = new ConnectionError('connection closed by the client', this.address)): void {
    if (this.closedWith) return;
    this.closedWith = err;
    this.socket.destroy();
    const failure = err instanceof ConnectionError || err instanceof RequestTimeoutError ? err : new ConnectionError(err.message, this.address, { cause: err });
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(failure);
    }
    this.pending.clear();
    for (const l of this.closeListeners.splice(0)) l(err);
  }

  private sendWith(
    apiKey: number,
    version: number,
    body: unknown,
    options: SendOptions | undefined,
    decode: (payload: Buffer) => unknown,
  ): Promise<unknown> {
    if (this.closedWith) return Promise.reject(this.closedWith instanceof ConnectionError ? this.closedWith : new ConnectionError(this.closedWith.message, this.address));
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = this.nextCorrelationId === INT32_MAX ? 0 : this.nextCorrelationId + 1;
    let payload: Buffer;
    try {
      payload = encodeRequest(apiKey as ApiKey, version, { correlationId, clientId: this.options.clientId }, body as never);
    } catch (err) {
      return Promise.reject(err);
    }
    const size = Buffer.allocUnsafe(4);
    size.writeInt32BE(payload.length, 0);

    if (options?.expectResponse === false) {
      return new Promise((resolve, reject) => {
        this.socket.cork();
        this.socket.write(size);
        this.socket.write(payload, (err) => (err ? reject(new ConnectionError(err.message, this.address, { cause: err })) : resolve(undefined)));
        this.socket.uncork();
      });
    }

    return new Promise((resolve, reject) => {
      const timeoutMs = options?.timeoutMs ?? this.requestTimeoutMs;
      const timer = setTimeout(() => this.onTimeout(correlationId, apiKey, timeoutMs), timeoutMs);
      timer.unref();
      this.pending.set(correlationId, { apiKey, version, timer, resolve, reject, decode });
      // One writev for size and payload, without copying the payload into a framed buffer.
      this.socket.cork();
      this.socket.write(size);
      this.socket.write(payload);
      this.socket.uncork();
    });
  }

  private onTimeout(correlationId: number, apiKey: number, timeoutMs: number): void {
    const p = this.pending.get(correlationId);
    if (!p) return;
    this.pending.delete(correlationId);
    const err = new RequestTimeoutError(`${ApiKey[apiKey] ?? apiKey} request to ${this.address} got no response within ${timeoutMs} ms`);
    p.reject(err);
    // As Kafka's NetworkClient: after a timeout the connection's state is unknown; start afresh.
    this.close(err);
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.close(new ConnectionError(`malformed response stream: ${(err as Error).message}`, this.address, { cause: err }));
      return;
    }
    for (const payload of frames) {
      if (payload.length < 4) {
        this.close(new ConnectionError('response frame shorter than a correlation id', this.address));
        return;
      }
      const correlationId = peekCorrelationId(payload);
      const p = this.pending.get(correlationId);
      if (!p) {
        // A response to a request we already gave up on can only come after a timeout, which
        // closed the connection, so an unknown id means the peer is confused.
        this.close(new ConnectionError(`response with unknown correlation id ${correlationId}`, this.address));
        return;
      }
      this.pending.delete(correlationId);
      clearTimeout(p.timer);
      let body: unknown;
      try {
        body = p.decode(payload);
      } catch (err) {
        p.reject(err);
        if (err instanceof ProtocolError) this.close(new ConnectionError(`undecodable ${ApiKey[p.apiKey]} v${p.version} response: ${err.message}`, this.address, { cause: err }));
        continue;
      }
      p.resolve(body);
    }
  }

  /**
   * ApiVersions: try our highest version; a broker that does not support it answers in the v0
   * format with error UNSUPPORTED_VERSION and its own range, and we retry with that (KIP-511).
   */
  private async negotiateVersions(): Promise<void> {
    let version = CLIENT_VERSIONS[ApiKey.ApiVersions]!.max;
    for (let attempt = 0; attempt < 3; attempt++) {
      const body = { clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION };
      const response = (await this.sendWith(ApiKey.ApiVersions, version, body, undefined, (payload) => decodeApiVersions(version, payload))) as ResponseByKey[ApiKey.ApiVersions];
      if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
        const theirs = response.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions);
        const next = theirs ? Math.min(theirs.maxVersion, version - 1) : 0;
        if (next < 0 || next >= version) break;
        version = next;
        continue;
      }
      if (response.errorCode !== 0) throw new KafkaError(response.errorCode, `ApiVersions from ${this.address}`);
      for (const k of response.apiKeys) this.versions.set(k.apiKey, { apiKey: k.apiKey, minVersion: k.minVersion, maxVersion: k.maxVersion });
      return;
    }
    throw new UnsupportedVersionError(`broker ${this.address} accepts no ApiVersions version`);
  }

  /**
   * SaslHandshake v1 names the mechanism; SaslAuthenticate carries each round of it. A positive
   * session lifetime in the last answer (connections.max.reauth.ms on the broker) schedules a
   * re-authentication on this connection at 85-95% of it, as Kafka's Java client does (KIP-368).
   */
  private async authenticate(options: SaslOptions): Promise<void> {
    const exchange = createSaslExchange(options);
    const handshake = await this.authenticationRequest(ApiKey.SaslHandshake, () => ({ mechanism: exchange.mechanism }));
    if (handshake.errorCode === ErrorCode.ILLEGAL_SASL_STATE) {
      // What a broker answers on a listener without SASL (PLAINTEXT or SSL): the mechanism is not the problem.
      throw new AuthenticationError(`broker ${this.address} does not authenticate with SASL on this listener (ILLEGAL_SASL_STATE); is it a PLAINTEXT or SSL listener?`, {
        cause: new KafkaError(handshake.errorCode),
      });
    }
    if (handshake.errorCode !== 0) {
      throw new AuthenticationError(
        `broker ${this.address} does not accept SASL mechanism ${exchange.mechanism} (enabled: ${handshake.mechanisms.join(', ') || 'none'})`,
        { cause: new KafkaError(handshake.errorCode) },
      );
    }
    let message: Buffer | null = exchange.initialResponse();
    let sessionLifetimeMs = 0n;
    while (message !== null) {
      const authBytes: Buffer = message;
      const response = await this.authenticationRequest(ApiKey.SaslAuthenticate, () => ({ authBytes }));
      if (response.errorCode !== 0) {
        throw new AuthenticationError(`SASL ${exchange.mechanism} authentication with ${this.address} failed: ${response.errorMessage ?? new KafkaError(response.errorCode).message}`, {
          cause: new KafkaError(response.errorCode, response.errorMessage ?? undefined),
        });
      }
      sessionLifetimeMs = response.sessionLifetimeMs;
      message = exchange.evaluate(response.authBytes);
    }
    this.reauthenticateAt = sessionLifetimeMs > 0n ? Date.now() + Number(sessionLifetimeMs) * (0.85 + Math.random() * 0.1) : Infinity;
  }

  /** Requests of the SASL exchange itself, which must not wait for the re-authentication they are part of. */
  private authenticationRequest<K extends ApiKey.SaslHandshake | ApiKey.SaslAuthenticate>(apiKey: K, build: (version: number) => RequestByKey[K]): Promise<ResponseByKey[K]> {
    const version = this.versionFor(apiKey);
    if (version === undefined) return Promise.reject(new UnsupportedVersionError(`broker ${this.address} supports no version of API ${ApiKey[apiKey]} that this client speaks`));
    return this.sendWith(apiKey, version, build(version), undefined, (payload) => decodeResponse(apiKey, version, payload).body) as Promise<ResponseByKey[K]>;
  }

  /** Re-authenticates on the open connection; a failure closes it, failing what waited. */
  private async reauthenticate(): Promise<void> {
    try {
      await this.authenticate(this.options.sasl!);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.close(error);
      throw error;
    } finally {
      this.reauthentication = null;
    }
  }
}

/** An ApiVersions response, falling back to the v0 layout a broker uses to refuse our version. */
function decodeApiVersions(version: number, payload: Buffer): ResponseByKey[ApiKey.ApiVersions] {
  try {
    const body = decodeResponse(ApiKey.ApiVersions, version, payload).body;
    if (body.errorCode !== ErrorCode.UNSUPPORTED_VERSION || version === 0) return body;
  } catch (err) {
    if (!(err instanceof ProtocolError) || version === 0) throw err;
  }
  return decodeResponse(ApiKey.ApiVersions, 0, payload).body;
}

function openSocket(options: ConnectionOptions): Promise<net.Socket> {
  const address = `${options.host}:${options.port}`;
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    let socket: net.Socket;
    const connectedEvent = options.tls ? 'secureConnect' : 'connect';
    if (options.tls) {
      const tlsOptions = typeof options.tls === 'object' ? options.tls : {};
      socket = tls.connect({
        host: options.host,
        port: options.port,
        ...(net.isIP(options.host) === 0 ? { servername: options.host } : {}),
        ...tlsOptions,
      });
    } else {
      socket = net.connect({ host: options.host, port: options.port });
    }
    const timer = setTimeout(() => fail(new ConnectionError(`connection not established within ${timeoutMs} ms`, address)), timeoutMs);
    function fail(err: Error) {
      clearTimeout(timer);
      socket.removeAllListeners(connectedEvent);
      socket.destroy();
      reject(err instanceof ConnectionError ? err : new ConnectionError(`cannot connect: ${err.message}`, address, { cause: err }));
    }
    socket.once('error', fail);
    socket.once(connectedEvent, () => {
      clearTimeout(timer);
      socket.removeListener('error', fail);
      resolve(socket);
    });
  });
}
