import { ProtocolError } from '../primitives/protocol-error.js';
import { Reader } from '../primitives/reader.js';
import { Writer } from '../primitives/writer.js';
import { checkVersion, encodeError, expectEnd } from '../messages/codec-runtime.js';
import { apiByKey, type ApiKey, type RequestByKey, type ResponseByKey } from '../messages/index.js';
import { readRequestHeader, writeRequestHeader, type RequestHeader } from '../messages/request-header.js';
import { readResponseHeader, writeResponseHeader, type ResponseHeader } from '../messages/response-header.js';
import type { ApiSpec } from '../messages/schema-types.js';

/**
 * Whole request and response payloads: header plus body, as a broker or client reads and writes
 * them. The 4-byte size prefix is not included (the frame decoder handles it).
 */

/** The API with this key; an unknown key is UNSUPPORTED_VERSION, as Kafka treats it. */
export function apiSpecFor(apiKey: number): ApiSpec {
  const api = apiByKey[apiKey];
  if (api === undefined) throw new ProtocolError('UNSUPPORTED_VERSION', `unknown API key ${apiKey}`);
  return api;
}

/** Request header version for a request of this API and version (works for unsupported versions too). */
export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  return apiSpecFor(apiKey).requestHeaderVersion(apiVersion);
}

/** Response header version for a response of this API and version. */
export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  return apiSpecFor(apiKey).responseHeaderVersion(apiVersion);
}

export interface RequestHeaderFields {
  correlationId: number;
  /** Sent in header v1+; null is allowed (Kafka's clients send a string). */
  clientId: string | null;
}

/** Encodes header and body of a request; the API key and version go into the header. */
export function encodeRequest<K extends ApiKey>(
  apiKey: K,
  version: number,
  header: RequestHeaderFields,
  body: RequestByKey[K],
): Buffer {
  const api = apiSpecFor(apiKey);
  checkVersion(api.request.name, version, api.validVersions.min, api.validVersions.max);
  const w = new Writer();
  try {
    const fields: RequestHeader = {
      requestApiKey: apiKey,
      requestApiVersion: version,
      correlationId: header.correlationId,
      clientId: header.clientId,
    };
    writeRequestHeader(w, fields, api.requestHeaderVersion(version));
    api.request.write(w, body, version);
  } catch (err) {
    throw encodeError(api.request.name, err);
  }
  return w.finish();
}

export interface DecodedRequestHeader {
  header: RequestHeader;
  /** Header version used, from the API's rules. */
  headerVersion: number;
  api: ApiSpec;
  /** Offset of the body within the payload. */
  bodyOffset: number;
}

/**
 * Reads the request header. The API version is not checked here, so a broker can still answer an
 * ApiVersions request of a version it does not support (Kafka replies with v0 and an error).
 */
export function decodeRequestHeader(payload: Buffer): DecodedRequestHeader {
  const peek = new Reader(payload);
  const api = apiSpecFor(peek.int16());
  const headerVersion = api.requestHeaderVersion(peek.int16());
  const r = new Reader(payload);
  const header = readRequestHeader(r, headerVersion);
  return { header, headerVersion, api, bodyOffset: r.offset };
}

/** A decoded request, discriminated by API key so `body` narrows to that API's request type. */
export type DecodedRequest = {
  [K in ApiKey]: { apiKey: K; apiVersion: number; header: RequestHeader; body: RequestByKey[K] };
}[ApiKey];

/**
 * Decodes a whole request payload: header, then the body for its API key and version. bytes,
 * records and uuid fields in the body are views of `payload`, which must not be reused meanwhile.
 */
export function decodeRequest(payload: Buffer): DecodedRequest {
  const { header, api, bodyOffset } = decodeRequestHeader(payload);
  const body = api.request.decode(new Reader(payload, bodyOffset), header.requestApiVersion);
  return { apiKey: api.key, apiVersion: header.requestApiVersion, header, body } as DecodedRequest;
}

/** Encodes header and body of a response to a request of this API and version. */
export function encodeResponse<K extends ApiKey>(
  apiKey: K,
  version: number,
  correlationId: number,
  body: ResponseByKey[K],
): Buffer {
  const api = apiSpecFor(apiKey);
  checkVersion(api.response.name, version, api.validVersions.min, api.validVersions.max);
  const w = new Writer();
  try {
    writeResponseHeader(w, { correlationId }, api.responseHeaderVersion(version));
    api.response.write(w, body, version);
  } catch (err) {
    throw encodeError(api.response.name, err);
  }
  return w.finish();
}

/** Decodes a response payload; the caller knows the API and version from its own request. */
export function decodeResponse<K extends ApiKey>(
  apiKey: K,
  version: number,
  payload: Buffer,
): { header: ResponseHeader; body: ResponseByKey[K] } {
  const api = apiSpecFor(apiKey);
  checkVersion(api.response.name, version, api.validVersions.min, api.validVersions.max);
  const r = new Reader(payload);
  const header = readResponseHeader(r, api.responseHeaderVersion(version));
  const body = api.response.read(r, version) as ResponseByKey[K];
  expectEnd(r, api.response.name);
  return { header, body };
}

/** Reads only the correlation id at the start of a response payload (to route it to its request). */
export function peekCorrelationId(payload: Buffer): number {
  return new Reader(payload).int32();
}
