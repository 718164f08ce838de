import {
  ApiKey,
  apiByKey,
  ErrorCode,
  frame as sizePrefixed,
  isProtocolError,
  Reader,
  requestHeaderCodec,
  type ApiSpec,
  type SaslAuthenticateResponse,
  type SaslHandshakeResponse,
} from '@tributary/protocol';
import type { Logger } from 'pino';
import { advertisedVersions } from '../handlers/advertised-versions.js';
import { encodeResponseFrame } from '../handlers/dispatcher.js';
import { mirrorErrorResponse } from '../handlers/error-response.js';
import type { SaslListenerSettings } from './listener-security.js';
import { samePrincipal, userPrincipal, formatPrincipal, type KafkaPrincipal } from './principal.js';
import { PlainSaslServer } from './sasl/plain-server.js';
import { scramMechanismByName } from './sasl/scram-crypto.js';
import { ScramSaslServer, type ScramCredentialLookup } from './sasl/scram-server.js';
import { SaslAuthenticationError, type ImplementedMechanism, type SaslServer } from './sasl/sasl-server.js';

/** What the connection does with one frame received while authenticating. */
export type AuthStep =
  /** Write this frame (size prefix included) and keep authenticating. */
  | { readonly kind: 'respond'; readonly frame: Buffer }
  /** Write this frame; the client is authenticated as `principal` from now on. */
  | { readonly kind: 'authenticated'; readonly frame: Buffer; readonly principal: KafkaPrincipal }
  /** Write `frame` if there is one (Kafka's failure response), then close the connection. */
  | { readonly kind: 'close'; readonly reason: string; readonly frame?: Buffer; readonly authenticationFailed: true };

export interface SaslAuthenticatorOptions {
  readonly listenerName: string;
  readonly settings: SaslListenerSettings;
  readonly scramCredentials: ScramCredentialLookup;
  /**
   * Answers an ApiVersions request frame exactly as the broker does after authentication (the
   * dispatcher): Kafka answers it before the handshake so clients can pick their SASL versions.
   */
  apiVersions(frame: Buffer): Promise<{ kind: 'respond'; frame: Buffer } | { kind: 'close'; reason: string } | { kind: 'none' }>;
  readonly log: Logger;
  /** Monotonic milliseconds, for session expiry; default performance.now. */
  now?(): number;
}

type State =
  /** Before anything: ApiVersions or SaslHandshake. */
  | 'initial'
  /** After ApiVersions: SaslHandshake only. */
  | 'handshake'
  /** After SaslHandshake: SASL tokens, raw (v0 handshake) or in SaslAuthenticate requests (v1). */
  | 'authenticate'
  /** Authenticated; requests go to the dispatcher. */
  | 'complete'
  /** Re-authentication requested a different mechanism: the next token fails it (Kafka's REAUTH_BAD_MECHANISM). */
  | 'reauth-bad-mechanism'
  | 'failed';

/** Request header fields at fixed offsets in every header version. */
const HEADER_FIXED_BYTES = 8;

/**
 * One connection's SASL authentication on a SASL_PLAINTEXT or SASL_SSL listener, following Kafka's
 * SaslServerAuthenticator:
 *
 * - Before authentication only ApiVersions (once, before the handshake) and SaslHandshake are
 *   accepted; any other request closes the connection.
 * - SaslHandshake names the mechanism. Not enabled: UNSUPPORTED_SASL_MECHANISM with the enabled
 *   list, then close. Version 0 (kafka-python 2.0.2): the tokens that follow are raw
 *   size-prefixed frames without Kafka headers, and a failure closes the connection without a
 *   word. Version 1: the tokens travel in SaslAuthenticate requests; anything else is answered with
 *   ILLEGAL_SASL_STATE and closed; a failure is answered with SASL_AUTHENTICATION_FAILED and a
 *   message, then closed.
 * - The authenticated principal is User:<name>. With connections.max.reauth.ms the session lasts
 *   that long: SaslAuthenticate v1 tells the client, a client that used v1 may re-authenticate (a
 *   new SaslHandshake on the open connection, same mechanism and principal), and a connection used
 *   after its session expired for anything else is closed (sessionExpired, checked by the connection).
 */
export class SaslServerAuthenticator {
  private state: State = 'initial';
  private server: SaslServer | null = null;
  private mechanism: ImplementedMechanism | null = null;
  private kafkaHeaders = false;
  private principalValue: KafkaPrincipal | null = null;
  private reauthenticating = false;
  private clientSupportsReauthentication = false;
  private sessionExpiresAt: number | null = null;
  private readonly now: () => number;

  constructor(private readonly opts: SaslAuthenticatorOptions) {
    this.now = opts.now ?? (() => performance.now());
  }

  /** True while frames must come here rather than to the dispatcher. */
  get inProgress(): boolean {
    return this.state !== 'complete';
  }

  get principal(): KafkaPrincipal | null {
    return this.principalValue;
  }

  /** Largest frame accepted until authentication completes (sasl.server.max.receive.size). */
  get maxReceiveSize(): number {
    return this.opts.settings.maxReceiveSize;
  }

  /** True when the session had a lifetime and it has passed: only re-authentication may use the connection. */
  sessionExpired(): boolean {
    return this.sessionExpiresAt !== null && this.now() > this.sessionExpiresAt;
  }

  /**
   * Starts re-authentication if this client may (it used SaslAuthenticate v1 or later, as Kafka
   * requires); the SaslHandshake frame is then passed to handle(). False: the handshake is an
   * ordinary request after authentication (answered ILLEGAL_SASL_STATE by its handler).
   */
  beginReauthentication(): boolean {
    if (this.state !== 'complete' || !this.clientSupportsReauthentication) return false;
    this.reauthenticating = true;
    this.state = 'handshake';
    return true;
  }

  /** Handles one frame received while authenticating. Never throws. */
  async handle(frame: Buffer): Promise<AuthStep> {
    try {
      switch (this.state) {
        case 'initial':
        case 'handshake':
          return await this.kafkaRequest(frame);
        case 'authenticate':
          return this.kafkaHeaders ? await this.authenticateRequest(frame) : await this.rawToken(frame);
        case 'reauth-bad-mechanism':
          return this.fail(`re-authentication asked for a different SASL mechanism than ${this.mechanism}`);
        default:
          return this.fail(`unexpected frame in SASL state ${this.state}`);
      }
    } catch (err) {
      // Anything unforeseen ends this connection's authentication, never the broker.
      this.opts.log.error({ err }, 'SASL authentication failed unexpectedly');
      return this.fail('internal error during SASL authentication');
    }
  }

  private async kafkaRequest(frame: Buffer): Promise<AuthStep> {
    if (frame.length < HEADER_FIXED_BYTES) return this.fail(`received ${frame.length} bytes, which is not a Kafka request, before SASL authentication`);
    const apiKey = frame.readInt16BE(0);
    const version = frame.readInt16BE(2);
    if (apiKey === ApiKey.ApiVersions && this.state === 'initial' && !this.reauthenticating) {
      const out = await this.opts.apiVersions(frame);
      if (out.kind !== 'respond') return this.fail(out.kind === 'close' ? out.reason : 'ApiVersions got no answer');
      // As Kafka: an ApiVersions refused for its version (or content) may be retried; a successful one moves on.
      if (apiVersionsSucceeded(out.frame)) this.state = 'handshake';
      return { kind: 'respond', frame: out.frame };
    }
    if (apiKey !== ApiKey.SaslHandshake) {
      const name = apiByKey[apiKey]?.name ?? `key ${apiKey}`;
      return this.fail(`unexpected Kafka request of type ${name} during SASL handshake`);
    }
    const decoded = this.decode(frame, ApiKey.SaslHandshake);
    if ('reason' in decoded) return this.fail(decoded.reason);
    const { spec, correlationId } = decoded;
    const request = decoded.request as { mechanism: string };
    const enabled = this.opts.settings.mechanisms;
    const respond = (errorCode: number) =>
      encodeResponseFrame(spec, version, correlationId, { errorCode, mechanisms: [...enabled] } satisfies SaslHandshakeResponse);
    const mechanism = enabled.find((m) => m === request.mechanism);
    if (mechanism === undefined) {
      return this.fail(`SASL mechanism ${request.mechanism} is not enabled (${enabled.join(', ')})`, respond(ErrorCode.UNSUPPORTED_SASL_MECHANISM));
    }
    this.kafkaHeaders = version >= 1;
    if (this.reauthenticating && mechanism !== this.mechanism) {
      this.state = 'reauth-bad-mechanism';
      return { kind: 'respond', frame: respond(ErrorCode.NONE) };
    }
    this.mechanism = mechanism;
    this.server = this.createServer(mechanism);
    this.state = 'authenticate';
    return { kind: 'respond', frame: respond(ErrorCode.NONE) };
  }

  /** Handshake v1: each token in a SaslAuthenticate request. */
  private async authenticateRequest(frame: Buffer): Promise<AuthStep> {
    if (frame.length < HEADER_FIXED_BYTES) return this.fail(`received ${frame.length} bytes, which is not a Kafka request, during SASL authentication`);
    const apiKey = frame.readInt16BE(0);
    const version = frame.readInt16BE(2);
    if (apiKey !== ApiKey.SaslAuthenticate) {
      // Kafka answers the request with ILLEGAL_SASL_STATE when it can, then closes.
      const reason = `unexpected Kafka request of type ${apiByKey[apiKey]?.name ?? `key ${apiKey}`} during SASL authentication`;
      const decoded = apiByKey[apiKey] ? this.decode(frame, apiKey as ApiKey, false) : undefined;
      if (decoded === undefined || 'reason' in decoded) return this.fail(reason);
      const body = mirrorErrorResponse(decoded.spec.request, decoded.spec.response, decoded.request, version, ErrorCode.ILLEGAL_SASL_STATE);
      return this.fail(reason, body === undefined ? undefined : encodeResponseFrame(decoded.spec, version, decoded.correlationId, body));
    }
    const decoded = this.decode(frame, ApiKey.SaslAuthenticate);
    if ('reason' in decoded) return this.fail(decoded.reason);
    const { spec, correlationId } = decoded;
    if (version > 0) this.clientSupportsReauthentication = true;
    const authBytes = (decoded.request as { authBytes: Buffer }).authBytes;
    const respond = (body: SaslAuthenticateResponse) => encodeResponseFrame(spec, version, correlationId, body);
    try {
      const token = await this.server!.evaluate(authBytes);
      if (!this.server!.complete) {
        return { kind: 'respond', frame: respond({ errorCode: ErrorCode.NONE, errorMessage: null, authBytes: token, sessionLifetimeMs: 0n }) };
      }
      const done = this.completed();
      if ('reason' in done) {
        return this.fail(done.reason, respond({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: done.message, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n }));
      }
      const body = { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: token, sessionLifetimeMs: BigInt(done.lifetimeMs) };
      return { kind: 'authenticated', frame: respond(body), principal: done.principal };
    } catch (err) {
      if (!(err instanceof SaslAuthenticationError)) throw err;
      const body: SaslAuthenticateResponse = {
        errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
        errorMessage: err.message,
        // RFC 5802's server-error for SCRAM, beside Kafka's error code (clients read the code and message).
        authBytes: err.scramError === undefined ? Buffer.alloc(0) : Buffer.from(`e=${err.scramError}`, 'utf8'),
        sessionLifetimeMs: 0n,
      };
      return this.fail(`${err.message}${err.detail ? ` (${err.detail})` : ''}`, respond(body));
    }
  }

  /** Handshake v0: each token is a size-prefixed frame with no Kafka header; a failure just closes. */
  private async rawToken(token: Buffer): Promise<AuthStep> {
    try {
      const response = await this.server!.evaluate(token);
      const out = sizePrefixed(response);
      if (!this.server!.complete) return { kind: 'respond', frame: out };
      const done = this.completed();
      if ('reason' in done) return this.fail(done.reason);
      return { kind: 'authenticated', frame: out, principal: done.principal };
    } catch (err) {
      if (!(err instanceof SaslAuthenticationError)) throw err;
      return this.fail(`${err.message}${err.detail ? ` (${err.detail})` : ''}`);
    }
  }

  /** The exchange completed: fix the principal and the session's end. */
  private completed(): { principal: KafkaPrincipal; lifetimeMs: number } | { reason: string; message: string } {
    const principal = userPrincipal(this.server!.authorizationId);
    if (this.reauthenticating && this.principalValue && !samePrincipal(principal, this.principalValue)) {
      const message = `Cannot change principals during re-authentication from ${formatPrincipal(this.principalValue)}: ${formatPrincipal(principal)}`;
      return { reason: message, message };
    }
    const lifetimeMs = this.opts.settings.reauthMs[this.mechanism!];
    this.sessionExpiresAt = lifetimeMs > 0 ? this.now() + lifetimeMs : null;
    this.principalValue = principal;
    this.state = 'complete';
    this.reauthenticating = false;
    this.server = null;
    this.opts.log.debug(
      { listener: this.opts.listenerName, principal: formatPrincipal(principal), mechanism: this.mechanism, exchange: this.kafkaHeaders ? 'SaslAuthenticate' : 'raw' },
      'SASL authentication succeeded',
    );
    return { principal, lifetimeMs };
  }

  private createServer(mechanism: ImplementedMechanism): SaslServer {
    if (mechanism === 'PLAIN') return new PlainSaslServer(this.opts.settings.plainUsers);
    return new ScramSaslServer(scramMechanismByName(mechanism)!, this.opts.scramCredentials);
  }

  /** Reads the header and body of a request this layer answers itself; a reason to close when it cannot. */
  private decode(
    frame: Buffer,
    apiKey: ApiKey,
    checkAdvertised = true,
  ): { spec: ApiSpec; correlationId: number; request: unknown } | { reason: string } {
    const spec = apiByKey[apiKey]!;
    const version = frame.readInt16BE(2);
    const range = checkAdvertised ? advertisedVersions(apiKey) : spec.validVersions;
    if (version < range.min || version > range.max) return { reason: `${spec.name} version ${version} is not supported (${range.min}-${range.max})` };
    try {
      const r = new Reader(frame);
      const header = requestHeaderCodec.read(r, spec.requestHeaderVersion(version));
      return { spec, correlationId: header.correlationId, request: spec.request.decode(r, version) };
    } catch (err) {
      return { reason: `malformed ${spec.name} v${version} request: ${isProtocolError(err) ? err.message : String(err)}` };
    }
  }

  private fail(reason: string, frame?: Buffer): AuthStep {
    this.state = 'failed';
    this.server = null;
    this.opts.log.info({ listener: this.opts.listenerName, mechanism: this.mechanism }, `SASL authentication failed: ${reason}`);
    return frame === undefined ? { kind: 'close', reason, authenticationFailed: true } : { kind: 'close', reason, frame, authenticationFailed: true };
  }
}

/** ApiVersions responses (header v0 always): size, correlation id, then the error code. */
function apiVersionsSucceeded(frame: Buffer): boolean {
  return frame.length >= 10 && frame.readInt16BE(8) === ErrorCode.NONE;
}
