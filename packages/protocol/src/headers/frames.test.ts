import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../primitives/protocol-error.js';
import { Writer } from '../primitives/writer.js';
import { ApiKey, defaultApiVersionsResponse, defaultFetchRequest, type MetadataRequest } from '../messages/index.js';
import {
  apiSpecFor,
  decodeRequest,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  peekCorrelationId,
  requestHeaderVersion,
  responseHeaderVersion,
} from './frames.js';

const require = createRequire(import.meta.url);
const kafkajsRequest = require('kafkajs/src/protocol/request.js') as (args: unknown) => Promise<{ buffer: Buffer }>;
const kafkajsMetadataV4 = require('kafkajs/src/protocol/requests/metadata/v4/request.js') as (args: unknown) => unknown;

function errorOf(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProtocolError) return e;
    throw e;
  }
  throw new Error('expected a ProtocolError');
}

const metadata: MetadataRequest = {
  topics: [{ name: 'orders', topicId: Buffer.alloc(16) }],
  allowAutoTopicCreation: true,
  includeClusterAuthorizedOperations: false,
  includeTopicAuthorizedOperations: false,
};

describe('request frames', () => {
  it('match kafkajs byte for byte (header v1), apart from its size prefix', async () => {
    const ours = encodeRequest(ApiKey.Metadata, 4, { correlationId: 42, clientId: 'tributary' }, metadata);
    const theirs = await kafkajsRequest({
      correlationId: 42,
      clientId: 'tributary',
      request: kafkajsMetadataV4({ topics: ['orders'], allowAutoTopicCreation: true }),
    });
    expect(theirs.buffer.readInt32BE(0)).toBe(ours.length);
    expect(ours.equals(theirs.buffer.subarray(4))).toBe(true);
  });

  it('round-trip through decodeRequest with header v1 and v2', () => {
    for (const version of [4, 9, 12]) {
      const payload = encodeRequest(ApiKey.Metadata, version, { correlationId: 9, clientId: null }, metadata);
      const decoded = decodeRequest(payload);
      expect(decoded.apiKey).toBe(ApiKey.Metadata);
      expect(decoded.apiVersion).toBe(version);
      expect(decoded.header).toEqual({ requestApiKey: 3, requestApiVersion: version, correlationId: 9, clientId: null });
      if (decoded.apiKey === ApiKey.Metadata) expect(decoded.body.topics![0]!.name).toBe('orders');
      const header = decodeRequestHeader(payload);
      expect(header.headerVersion).toBe(version >= 9 ? 2 : 1);
      // header: key, version, correlation id, null client id (2 bytes), plus one tag byte in v2
      expect(header.bodyOffset).toBe(10 + (version >= 9 ? 1 : 0));
    }
  });

  it('uses header v0 for ControlledShutdown v0 (no client id)', () => {
    const payload = encodeRequest(ApiKey.ControlledShutdown, 0, { correlationId: 1, clientId: 'ignored' }, {
      brokerId: 5,
      brokerEpoch: -1n,
    });
    expect(payload.toString('hex')).toBe('0007' + '0000' + '00000001' + '00000005');
    const decoded = decodeRequest(payload);
    expect(decoded.header.clientId).toBe('');
    expect(decoded.body).toEqual({ brokerId: 5, brokerEpoch: -1n });
  });

  it('reads the header of an ApiVersions request of a version it does not know', () => {
    // ApiVersions v99 from a newer client: flexible, so header v2; the body is not understood.
    const payload = new Writer().int16(18).int16(99).int32(3).nullableString('new').uvarint(0).raw(Buffer.from([1, 2])).finish();
    const { header, headerVersion } = decodeRequestHeader(payload);
    expect(headerVersion).toBe(2);
    expect(header).toEqual({ requestApiKey: 18, requestApiVersion: 99, correlationId: 3, clientId: 'new' });
    expect(errorOf(() => decodeRequest(payload)).kind).toBe('UNSUPPORTED_VERSION');
  });

  it('refuses unknown API keys and unsupported versions', () => {
    expect(errorOf(() => decodeRequestHeader(new Writer().int16(500).int16(0).int32(1).finish())).kind).toBe('UNSUPPORTED_VERSION');
    expect(errorOf(() => apiSpecFor(-1)).kind).toBe('UNSUPPORTED_VERSION');
    expect(errorOf(() => encodeRequest(ApiKey.Fetch, 18, { correlationId: 1, clientId: null }, defaultFetchRequest())).kind).toBe(
      'UNSUPPORTED_VERSION',
    );
    expect(errorOf(() => decodeRequestHeader(Buffer.from([0, 1]))).kind).toBe('TRUNCATED');
  });

  it('refuses bytes after the body', () => {
    const payload = encodeRequest(ApiKey.Metadata, 4, { correlationId: 1, clientId: 'c' }, metadata);
    expect(errorOf(() => decodeRequest(Buffer.concat([payload, Buffer.from([0])]))).kind).toBe('TRAILING_BYTES');
  });
});

describe('response frames', () => {
  it('ApiVersions responses use header v0 even when flexible', () => {
    const body = { ...defaultApiVersionsResponse(), apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }] };
    const payload = encodeResponse(ApiKey.ApiVersions, 3, 77, body);
    // correlation id, then straight into the body (error code) without a tag byte
    expect(payload.subarray(0, 6).toString('hex')).toBe('0000004d' + '0000');
    expect(decodeResponse(ApiKey.ApiVersions, 3, payload)).toEqual({ header: { correlationId: 77 }, body });
    expect(peekCorrelationId(payload)).toBe(77);
  });

  it('flexible responses carry header v1 with its tag section', () => {
    const body = { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 1, host: 'h', port: 9092, coordinators: [] };
    const payload = encodeResponse(ApiKey.FindCoordinator, 3, 5, body);
    expect(payload.subarray(0, 5).toString('hex')).toBe('00000005' + '00');
    const decoded = decodeResponse(ApiKey.FindCoordinator, 3, payload);
    expect(decoded.body).toMatchObject(body);
    expect(requestHeaderVersion(ApiKey.FindCoordinator, 3)).toBe(2);
    expect(responseHeaderVersion(ApiKey.FindCoordinator, 3)).toBe(1);
    expect(responseHeaderVersion(ApiKey.FindCoordinator, 2)).toBe(0);
  });

  it('refuses a response with trailing bytes or a bad version', () => {
    const payload = encodeResponse(ApiKey.Heartbeat, 0, 1, { throttleTimeMs: 0, errorCode: 0 });
    expect(errorOf(() => decodeResponse(ApiKey.Heartbeat, 0, Buffer.concat([payload, Buffer.from([9])]))).kind).toBe('TRAILING_BYTES');
    expect(errorOf(() => decodeResponse(ApiKey.Heartbeat, 9, payload)).kind).toBe('UNSUPPORTED_VERSION');
    expect(errorOf(() => encodeResponse(ApiKey.Heartbeat, 0, 2 ** 40, { throttleTimeMs: 0, errorCode: 0 })).kind).toBe('INVALID_VALUE');
  });
});
