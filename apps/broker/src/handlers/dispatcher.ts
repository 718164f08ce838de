import {
  ApiKey,
  apiByKey,
  ErrorCode,
  isProtocolError,
  Reader,
  requestHeaderCodec,
  responseHeaderCodec,
  Writer,
  type ApiSpec,
} from '@tributary/protocol';
import type { Logger } from 'pino';
import type { BrokerServices } from '../services.js';
import { mirrorErrorResponse } from './error-response.js';
import { CloseConnection, NO_RESPONSE, type AnyApiHandler, type ConnectionInfo, type RequestContext } from './handler.js';
import type { HandlerRegistry } from './registry.js';

/** What the connection does with one request frame. */
export type DispatchOutcome =
  /** Write this frame (4-byte size prefix included). */
  | { readonly kind: 'respond'; readonly frame: Buffer }
  /** Write nothing (acks=0 Produce). */
  | { readonly kind: 'none' }
  /** Close the connection: the peer broke the protocol or the broker cannot answer. */
  | { readonly kind: 'close'; readonly reason: string };

/** Request header fields at fixed offsets in every header version. */
const HEADER_FIXED_BYTES = 8;

/**
 * Turns one request frame into one outcome: reads the header, finds the handler, decodes the body
 * with the generated codec, runs the handler and encodes its response with the right response
 * header version. It never throws and never lets a handler's failure escape: an unexpected error
 * becomes an UNKNOWN_SERVER_ERROR response (or a close when the API has nowhere to put it).
 */
export class Dispatcher {
  constructor(
    private readonly registry: HandlerRegistry,
    private readonly services: BrokerServices,
  ) {}

  async dispatch(frame: Buffer, connection: ConnectionInfo): Promise<DispatchOutcome> {
    if (frame.length < HEADER_FIXED_BYTES) return close(`request of ${frame.length} bytes is shorter than a request header`);
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const correlationId = frame.readInt32BE(4);
    const handler = this.registry.get(apiKey);
    const spec = apiByKey[apiKey];
    if (!handler || !spec) return close(`API key ${apiKey} is not supported`);
    if (apiVersion < handler.versions.min || apiVersion > handler.versions.max) {
      if (apiKey === ApiKey.ApiVersions) return this.unsupportedApiVersions(correlationId, handler);
      return close(`${spec.name} version ${apiVersion} is not supported (${handler.versions.min}-${handler.versions.max})`);
    }

    let clientId: string | null;
    let request: unknown;
    try {
      const r = new Reader(frame);
      clientId = requestHeaderCodec.read(r, spec.requestHeaderVersion(apiVersion)).clientId;
      request = spec.request.decode(r, apiVersion);
    } catch (err) {
      // Decoders raise ProtocolError on bad input; anything else is still the peer's bytes at fault.
      const detail = isProtocolError(err) ? err.message : String(err);
      return close(`malformed ${spec.name} v${apiVersion} request: ${detail}`);
    }

    const ctx = new Context(apiKey, apiVersion, correlationId, clientId, connection, this.services, this.registry);
    let response: unknown;
    try {
      response = await (handler as HandlerOf).handle(ctx, request);
    } catch (err) {
      ctx.log.error({ err }, `${spec.name} handler failed; answering UNKNOWN_SERVER_ERROR`);
      return this.errorOutcome(handler, spec, ctx, request, ErrorCode.UNKNOWN_SERVER_ERROR);
    }
    if (response === NO_RESPONSE) return { kind: 'none' };
    if (response instanceof CloseConnection) return close(response.reason);
    try {
      return { kind: 'respond', frame: encodeResponseFrame(spec, apiVersion, correlationId, response) };
    } catch (err) {
      // The handler built a response its own version cannot carry: a bug, reported like a throw.
      ctx.log.error({ err }, `${spec.name} v${apiVersion} response could not be encoded; answering UNKNOWN_SERVER_ERROR`);
      return this.errorOutcome(handler, spec, ctx, request, ErrorCode.UNKNOWN_SERVER_ERROR);
    }
  }

  /**
   * Kafka's answer to an ApiVersions version it does not know (KIP-511): a v0 body with
   * UNSUPPORTED_VERSION and the ApiVersions range, so the client can retry with a version in it.
   */
  private unsupportedApiVersions(correlationId: number, handler: AnyApiHandler): DispatchOutcome {
    const spec = apiByKey[ApiKey.ApiVersions]!;
    const body = spec.response.defaultValue() as { errorCode: number; apiKeys: unknown[] };
    body.errorCode = ErrorCode.UNSUPPORTED_VERSION;
    body.apiKeys = [{ apiKey: ApiKey.ApiVersions, minVersion: handler.versions.min, maxVersion: handler.versions.max }];
    return { kind: 'respond', frame: encodeResponseFrame(spec, 0, correlationId, body) };
  }

  private errorOutcome(
    handler: AnyApiHandler,
    spec: ApiSpec,
    ctx: Context,
    request: unknown,
    errorCode: number,
  ): DispatchOutcome {
    try {
      const h = handler as HandlerOf;
      const response = h.errorResponse
        ? h.errorResponse(ctx, request, errorCode)
        : mirrorErrorResponse(spec.request, spec.response, request, ctx.apiVersion, errorCode);
      if (response === undefined) return close(`${spec.name} has no error code to report the failure with`);
      return { kind: 'respond', frame: encodeResponseFrame(spec, ctx.apiVersion, ctx.correlationId, response) };
    } catch (err) {
      ctx.log.error({ err }, `${spec.name} error response could not be built; closing the connection`);
      return close(`${spec.name} error response could not be built`);
    }
  }
}

/** The handler seen without its key's types, for the dispatcher's untyped plumbing. */
interface HandlerOf {
  handle(ctx: RequestContext, request: unknown): unknown;
  errorResponse?(ctx: RequestContext, request: unknown, errorCode: number): unknown;
}

function close(reason: string): DispatchOutcome {
  return { kind: 'close', reason };
}

/** Size prefix, response header (v0 or v1 as the API and version require) and body in one buffer. */
export function encodeResponseFrame(spec: ApiSpec, version: number, correlationId: number, body: unknown): Buffer {
  const w = new Writer(512);
  const sizeAt = w.reserve(4);
  responseHeaderCodec.write(w, { correlationId }, spec.responseHeaderVersion(version));
  spec.response.write(w, body, version);
  const out = w.finish();
  out.writeInt32BE(out.length - 4, sizeAt);
  return out;
}

/** RequestContext with a logger created only when a handler logs (most requests never do). */
class Context implements RequestContext {
  private logger: Logger | undefined;

  constructor(
    readonly apiKey: ApiKey,
    readonly apiVersion: number,
    readonly correlationId: number,
    readonly clientId: string | null,
    readonly connection: ConnectionInfo,
    readonly services: BrokerServices,
    readonly apis: HandlerRegistry,
  ) {}

  get log(): Logger {
    this.logger ??= this.services.logger.child({
      conn: this.connection.id,
      api: apiByKey[this.apiKey]?.name ?? this.apiKey,
      v: this.apiVersion,
      corr: this.correlationId,
      client: this.clientId,
    });
    return this.logger;
  }
}
