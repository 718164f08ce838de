import type { ApiKey, RequestByKey, ResponseByKey } from '@tributary/protocol';
import type { Logger } from 'pino';
import type { SecurityProtocol } from '../config/listeners.js';
import type { KafkaPrincipal } from '../security/principal.js';
import type { BrokerServices } from '../services.js';
import type { VersionRange } from './advertised-versions.js';
import type { HandlerRegistry } from './registry.js';

/**
 * What a handler returns when the client expects no answer (Produce with acks=0): the broker then
 * writes nothing for that request. Sending a response there would desynchronise the client.
 */
export const NO_RESPONSE: unique symbol = Symbol('tributary.noResponse');
export type NoResponse = typeof NO_RESPONSE;

/**
 * What a handler returns to close the connection instead of answering. Kafka does this when an
 * acks=0 Produce fails: the client expects no response, so a dropped connection is the only signal
 * that makes it refresh metadata and notice.
 */
export class CloseConnection {
  constructor(readonly reason: string) {}
}

/** The connection a request arrived on. */
export interface ConnectionInfo {
  /** Unique per broker process, for logs. */
  readonly id: number;
  readonly listenerName: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The listener's security protocol; absent means PLAINTEXT (connections made up by tests). */
  readonly securityProtocol?: SecurityProtocol;
  /**
   * Who the client is, for authorization: User:<name> after SASL or with a verified TLS client
   * certificate, User:ANONYMOUS otherwise (absent means ANONYMOUS). Requests reach handlers only
   * after authentication, so a handler never sees it change.
   */
  readonly principal?: KafkaPrincipal;
}

/** Everything a handler gets besides the decoded request body. */
export interface RequestContext {
  readonly apiKey: ApiKey;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly connection: ConnectionInfo;
  readonly services: BrokerServices;
  /** The registered handlers (what ApiVersions advertises). */
  readonly apis: HandlerRegistry;
  /** Child logger carrying the api key, version, correlation id and connection id. */
  readonly log: Logger;
}

/**
 * One Kafka API: decode → act → encode, where the dispatcher does the decoding and encoding and
 * the handler only maps a typed request to a typed response (types generated from Kafka's specs).
 */
export interface ApiHandler<K extends ApiKey = ApiKey> {
  readonly apiKey: K;
  /** Versions advertised in ApiVersions and accepted; use advertisedVersions(key). */
  readonly versions: VersionRange;
  /** May be async. Throwing is a bug: the client gets errorResponse(UNKNOWN_SERVER_ERROR). */
  handle(
    ctx: RequestContext,
    request: RequestByKey[K],
  ): ResponseByKey[K] | NoResponse | CloseConnection | Promise<ResponseByKey[K] | NoResponse | CloseConnection>;
  /**
   * The response reporting `errorCode` for everything the request asked about (Kafka's
   * AbstractRequest.getErrorResponse). Optional: without it the dispatcher derives one from the
   * message schemas (errors.ts); give one when that derivation cannot express the API's error.
   */
  errorResponse?(ctx: RequestContext, request: RequestByKey[K], errorCode: number): ResponseByKey[K];
}

/** Any handler, whatever its key (what the registry holds). */
export type AnyApiHandler = { [K in ApiKey]: ApiHandler<K> }[ApiKey];

/** Identity function that makes TypeScript infer the request and response types from apiKey. */
export function defineHandler<K extends ApiKey>(handler: ApiHandler<K>): ApiHandler<K> {
  return handler;
}
