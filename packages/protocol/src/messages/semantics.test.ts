import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../primitives/protocol-error.js';
import { Writer } from '../primitives/writer.js';
import {
  ApiKey,
  apiByKey,
  apis,
  apiVersionsApi,
  controlledShutdownApi,
  decodeApiVersionsRequest,
  decodeApiVersionsResponse,
  decodeConsumerGroupHeartbeatResponse,
  decodeFetchRequest,
  decodeMetadataRequest,
  decodeProduceResponse,
  defaultApiVersionsResponse,
  defaultConsumerGroupHeartbeatResponse,
  defaultFetchRequest,
  defaultMetadataRequest,
  defaultProduceRequest,
  defaultProduceResponse,
  encodeApiVersionsRequest,
  encodeApiVersionsResponse,
  encodeConsumerGroupHeartbeatResponse,
  encodeFetchRequest,
  encodeMetadataRequest,
  encodeProduceRequest,
  encodeProduceResponse,
  produceApi,
  requestHeaderCodec,
} from './index.js';

/** Kafka's encoding rules checked against bytes worked out by hand. */

function errorOf(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProtocolError) return e;
    throw e;
  }
  throw new Error('expected a ProtocolError');
}

const hex = (b: Buffer): string => b.toString('hex');

describe('flexible versions and tagged fields', () => {
  it('writes compact strings and an empty tag section in flexible versions', () => {
    const bytes = encodeApiVersionsRequest({ clientSoftwareName: 'ab', clientSoftwareVersion: '1' }, 3);
    // len+1=3 "ab", len+1=2 "1", zero tagged fields
    expect(hex(bytes)).toBe('03616202' + '31' + '00');
    expect(decodeApiVersionsRequest(bytes, 3)).toEqual({ clientSoftwareName: 'ab', clientSoftwareVersion: '1' });
  });

  it('writes a tagged field only when it differs from its default', () => {
    const base = { ...defaultApiVersionsResponse(), apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 11 }] };
    const plain = encodeApiVersionsResponse(base, 3);
    // errorCode, compact array of 1 (0x02) with one element + its empty tags, throttle, no tags
    expect(hex(plain)).toBe('0000' + '02' + '0000' + '0000' + '000b' + '00' + '00000000' + '00');
    const tagged = encodeApiVersionsResponse({ ...base, finalizedFeaturesEpoch: 5n, zkMigrationReady: true }, 3);
    // two tags: tag 1 (8 bytes of int64), tag 3 (1 byte bool), in ascending order
    expect(hex(tagged)).toBe(hex(plain).slice(0, -2) + '02' + '0108' + '0000000000000005' + '0301' + '01');
    expect(decodeApiVersionsResponse(tagged, 3)).toMatchObject({ finalizedFeaturesEpoch: 5n, zkMigrationReady: true });
    expect(decodeApiVersionsResponse(plain, 3).finalizedFeaturesEpoch).toBe(-1n);
  });

  it('skips unknown tags and refuses tags out of order', () => {
    const plain = encodeApiVersionsRequest({ clientSoftwareName: 'a', clientSoftwareVersion: 'b' }, 3);
    const body = plain.subarray(0, -1);
    const withUnknown = Buffer.concat([body, Buffer.from('01' + '63' + '02' + 'beef', 'hex')]);
    expect(decodeApiVersionsRequest(withUnknown, 3)).toEqual({ clientSoftwareName: 'a', clientSoftwareVersion: 'b' });
    const disordered = Buffer.concat([body, Buffer.from('02' + '05' + '00' + '04' + '00', 'hex')]);
    expect(errorOf(() => decodeApiVersionsRequest(disordered, 3)).kind).toBe('INVALID_VALUE');
    const overlong = Buffer.concat([body, Buffer.from('01' + '05' + '09' + '00', 'hex')]);
    expect(errorOf(() => decodeApiVersionsRequest(overlong, 3)).kind).toBe('TRUNCATED');
  });

  it('a known tag must fill exactly its declared size', () => {
    const plain = encodeApiVersionsResponse(defaultApiVersionsResponse(), 3);
    // tag 3 (bool) declared as 2 bytes
    const bad = Buffer.concat([plain.subarray(0, -1), Buffer.from('01' + '03' + '02' + '0100', 'hex')]);
    expect(errorOf(() => decodeApiVersionsResponse(bad, 3)).kind).toBe('INVALID_LENGTH');
  });

  it('writes a tagged struct when any of its fields differs from the default struct', () => {
    const partition = {
      index: 0,
      errorCode: 0,
      baseOffset: 0n,
      logAppendTimeMs: -1n,
      logStartOffset: -1n,
      recordErrors: [],
      errorMessage: null,
      currentLeader: { leaderId: -1, leaderEpoch: -1 },
    };
    const value = { ...defaultProduceResponse(), responses: [{ name: 't', partitionResponses: [partition] }] };
    const untagged = encodeProduceResponse(value, 10);
    partition.currentLeader = { leaderId: 3, leaderEpoch: -1 };
    const tagged = encodeProduceResponse(value, 10);
    // tag 0 holding leaderId 3, leaderEpoch -1 and the struct's own empty tag section: 9 bytes
    expect(tagged.length - untagged.length).toBe(1 + 1 + 9);
    expect(hex(tagged)).toContain('0100' + '09' + '00000003' + 'ffffffff' + '00');
    expect(decodeProduceResponse(tagged, 10).responses[0]!.partitionResponses[0]!.currentLeader).toEqual({ leaderId: 3, leaderEpoch: -1 });
  });
});

describe('fields missing from a version', () => {
  it('refuses a non-default value a version cannot carry, unless the field is ignorable', () => {
    const withTxn = { ...defaultProduceRequest(), transactionalId: 'txn' };
    const err = errorOf(() => encodeProduceRequest(withTxn, 2));
    expect(err.kind).toBe('INVALID_VALUE');
    expect(err.message).toMatch(/transactionalId/);
    expect(encodeProduceRequest(withTxn, 3).length).toBeGreaterThan(0);
    // ThrottleTimeMs is ignorable: v0 silently drops it.
    const throttled = { ...defaultProduceResponse(), throttleTimeMs: 500 };
    const v0 = encodeProduceResponse(throttled, 0);
    expect(hex(v0)).toBe('00000000');
    expect(decodeProduceResponse(v0, 0).throttleTimeMs).toBe(0);
  });

  it('fills defaults, including hex and int64 ones, when decoding an older version', () => {
    const v2 = encodeFetchRequest({ ...defaultFetchRequest(), replicaId: -1, maxWaitMs: 100, minBytes: 1 }, 2);
    const decoded = decodeFetchRequest(v2, 2);
    expect(decoded.maxBytes).toBe(0x7fffffff);
    expect(decoded.sessionEpoch).toBe(-1);
    expect(decoded.replicaState).toEqual({ replicaId: -1, replicaEpoch: -1n });
    expect(decoded.clusterId).toBeNull();
    expect(decoded.rackId).toBe('');
  });

  it('refuses a removed field holding a non-default value (FetchRequest.ReplicaId after v14)', () => {
    expect(errorOf(() => encodeFetchRequest({ ...defaultFetchRequest(), replicaId: 5 }, 15)).kind).toBe('INVALID_VALUE');
    expect(encodeFetchRequest({ ...defaultFetchRequest(), replicaId: -1 }, 15).length).toBeGreaterThan(0);
  });
});

describe('nullability', () => {
  it('null is refused in versions where the field is not nullable, both ways', () => {
    const nullTopics = { ...defaultMetadataRequest(), topics: null };
    expect(errorOf(() => encodeMetadataRequest(nullTopics, 0)).kind).toBe('INVALID_VALUE');
    expect(hex(encodeMetadataRequest(nullTopics, 1))).toBe('ffffffff');
    expect(decodeMetadataRequest(Buffer.from('ffffffff', 'hex'), 1).topics).toBeNull();
    expect(errorOf(() => decodeMetadataRequest(Buffer.from('ffffffff', 'hex'), 0)).kind).toBe('INVALID_VALUE');
    // Flexible: null compact array is a single 0 byte.
    expect(hex(encodeMetadataRequest({ ...nullTopics, allowAutoTopicCreation: true }, 9))).toBe('00' + '01' + '00' + '00' + '00');
  });

  it('a nullable struct carries a one-byte presence marker', () => {
    const none = encodeConsumerGroupHeartbeatResponse(defaultConsumerGroupHeartbeatResponse(), 0);
    // throttle, error, null message, null member id, epoch, interval, marker -1, tags
    expect(hex(none)).toBe('00000000' + '0000' + '00' + '00' + '00000000' + '00000000' + 'ff' + '00');
    const some = encodeConsumerGroupHeartbeatResponse({ ...defaultConsumerGroupHeartbeatResponse(), assignment: { topicPartitions: [] } }, 0);
    expect(hex(some).slice(-8)).toBe('01' + '01' + '00' + '00');
    expect(decodeConsumerGroupHeartbeatResponse(some, 0).assignment).toEqual({ topicPartitions: [] });
    expect(decodeConsumerGroupHeartbeatResponse(none, 0).assignment).toBeNull();
  });
});

describe('versions, trailing bytes and bad values', () => {
  it('refuses unknown versions with UNSUPPORTED_VERSION', () => {
    for (const v of [-1, 12, 1.5]) {
      expect(errorOf(() => encodeProduceRequest(defaultProduceRequest(), v)).kind).toBe('UNSUPPORTED_VERSION');
      expect(errorOf(() => produceApi.request.decode(Buffer.alloc(0), v)).kind).toBe('UNSUPPORTED_VERSION');
    }
  });

  it('refuses bytes after a complete message', () => {
    const bytes = Buffer.concat([encodeMetadataRequest(defaultMetadataRequest(), 4), Buffer.from([0])]);
    expect(errorOf(() => decodeMetadataRequest(bytes, 4)).kind).toBe('TRAILING_BYTES');
  });

  it('turns values of the wrong shape into INVALID_VALUE instead of RangeError/TypeError', () => {
    const tooBig = { ...defaultProduceRequest(), timeoutMs: 2 ** 40 };
    expect(errorOf(() => encodeProduceRequest(tooBig, 3)).kind).toBe('INVALID_VALUE');
    const missing = { ...defaultProduceRequest(), topicData: undefined } as unknown as ReturnType<typeof defaultProduceRequest>;
    expect(errorOf(() => encodeProduceRequest(missing, 3)).kind).toBe('INVALID_VALUE');
  });
});

describe('API registry and header versions', () => {
  it('lists all 88 API keys by Kafka name', () => {
    expect(apis.map((a) => a.key)).toEqual([...Array(88).keys()]);
    expect(ApiKey.Produce).toBe(0);
    expect(ApiKey.ApiVersions).toBe(18);
    expect(ApiKey.ReadShareGroupStateSummary).toBe(87);
    expect(apiByKey[ApiKey.Fetch]!.name).toBe('Fetch');
    expect(apiByKey[3]!.validVersions).toEqual({ min: 0, max: 12 });
    expect(produceApi.deprecatedVersions).toEqual({ min: 0, max: 6 });
    expect(produceApi.flexibleVersions).toEqual({ min: 9 });
    expect(apiByKey[ApiKey.SaslHandshake]!.flexibleVersions).toBeNull();
  });

  it('applies the header-version rules and their exceptions', () => {
    for (const api of apis) {
      for (let v = api.validVersions.min; v <= api.validVersions.max; v++) {
        const flexible = api.flexibleVersions !== null && v >= api.flexibleVersions.min;
        const request = api.key === ApiKey.ControlledShutdown && v === 0 ? 0 : flexible ? 2 : 1;
        const response = api.key === ApiKey.ApiVersions ? 0 : flexible ? 1 : 0;
        expect(api.requestHeaderVersion(v), `${api.name} v${v}`).toBe(request);
        expect(api.responseHeaderVersion(v), `${api.name} v${v}`).toBe(response);
      }
    }
    expect(controlledShutdownApi.requestHeaderVersion(0)).toBe(0);
    expect(controlledShutdownApi.requestHeaderVersion(3)).toBe(2);
    expect(apiVersionsApi.requestHeaderVersion(3)).toBe(2);
    expect(apiVersionsApi.responseHeaderVersion(4)).toBe(0);
  });

  it('request header v2 keeps a classic int16-length client id, then tags', () => {
    const bytes = requestHeaderCodec.encode({ requestApiKey: 18, requestApiVersion: 3, correlationId: 7, clientId: 'ab' }, 2);
    expect(hex(bytes)).toBe('0012' + '0003' + '00000007' + '0002' + '6162' + '00');
    const nullId = requestHeaderCodec.encode({ requestApiKey: 18, requestApiVersion: 3, correlationId: 7, clientId: null }, 2);
    expect(hex(nullId)).toBe('0012000300000007' + 'ffff' + '00');
  });
});

describe('compact counts use the checked reader', () => {
  it('a flexible array whose count exceeds the remaining bytes is INVALID_LENGTH', () => {
    const bytes = new Writer().int16(0).uvarint(1000).finish();
    expect(errorOf(() => decodeApiVersionsResponse(bytes, 3)).kind).toBe('INVALID_LENGTH');
  });
});
