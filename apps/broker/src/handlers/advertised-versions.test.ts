import { ApiKey, apiByKey } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { ADVERTISED_VERSIONS, type VersionRange } from './advertised-versions.js';
import { defaultHandlers } from './index.js';

/**
 * librdkafka 2.0.2's feature table (rdkafka_feature.c, COMPATIBILITY.md §3b): a feature is on only
 * when, for every dependency, the broker's advertised range overlaps the pinned client range.
 */
const LIBRDKAFKA_2_0_2_FEATURES: Record<string, Array<[ApiKey, number, number]>> = {
  MsgVer2: [
    [ApiKey.Produce, 3, 3],
    [ApiKey.Fetch, 4, 4],
  ],
  ApiVersion: [[ApiKey.ApiVersions, 0, 0]],
  BrokerGroupCoordinator: [[ApiKey.FindCoordinator, 0, 0]],
  BrokerBalancedConsumer: [
    [ApiKey.FindCoordinator, 0, 0],
    [ApiKey.OffsetCommit, 1, 2],
    [ApiKey.OffsetFetch, 1, 1],
    [ApiKey.JoinGroup, 0, 0],
    [ApiKey.SyncGroup, 0, 0],
    [ApiKey.Heartbeat, 0, 0],
    [ApiKey.LeaveGroup, 0, 0],
  ],
  SaslGssapi: [[ApiKey.JoinGroup, 0, 0]],
  SaslHandshake: [[ApiKey.SaslHandshake, 0, 0]],
  SaslAuthReq: [
    [ApiKey.SaslHandshake, 1, 1],
    [ApiKey.SaslAuthenticate, 0, 0],
  ],
  LZ4: [[ApiKey.FindCoordinator, 0, 0]],
  OffsetTime: [[ApiKey.ListOffsets, 1, 1]],
  IdempotentProducer: [[ApiKey.InitProducerId, 0, 0]],
  ZSTD: [
    [ApiKey.Produce, 7, 7],
    [ApiKey.Fetch, 10, 10],
  ],
  // Not a feature flag: gzip/snappy/lz4 are only used at produce time if Produce v0 is in range.
  ProduceCompression: [[ApiKey.Produce, 0, 0]],
};

/** Features librdkafka 2.0.2 turns off with these ranges, and why that is harmless. */
const EXPECTED_OFF: Record<string, string> = {
  MsgVer1: 'magic 1 message sets; MsgVer2 (record batches) is used instead',
  ThrottleTime: 'needs Fetch 1-2, which Kafka 4.0 no longer advertises either; throttling is never used here',
};
const LIBRDKAFKA_OFF_RULES: Record<string, Array<[ApiKey, number, number]>> = {
  MsgVer1: [
    [ApiKey.Produce, 2, 2],
    [ApiKey.Fetch, 2, 2],
  ],
  ThrottleTime: [
    [ApiKey.Produce, 1, 2],
    [ApiKey.Fetch, 1, 2],
  ],
};

function enabled(rules: Array<[ApiKey, number, number]>, advertised: Partial<Record<ApiKey, VersionRange>>): boolean {
  return rules.every(([key, lo, hi]) => {
    const r = advertised[key];
    return r !== undefined && r.min <= hi && r.max >= lo;
  });
}

/** kafka-python 2.0.2's broker-version guess from ApiVersions, newest probe first (§3c). */
function kafkaPythonGuess(advertised: Partial<Record<ApiKey, VersionRange>>): string {
  const probes: Array<[string, ApiKey, number]> = [
    ['2.5', ApiKey.DescribeAcls, 2],
    ['2.4', ApiKey.Produce, 8],
    ['2.3', ApiKey.Fetch, 11],
    ['2.2', ApiKey.ListOffsets, 5],
    ['2.1', ApiKey.Fetch, 10],
    ['2.0', ApiKey.Fetch, 8],
    ['1.1', ApiKey.Fetch, 7],
    ['1.0', ApiKey.Metadata, 5],
    ['0.11', ApiKey.Metadata, 4],
    ['0.10.2', ApiKey.OffsetFetch, 2],
    ['0.10.1', ApiKey.Metadata, 2],
  ];
  for (const [release, key, v] of probes) {
    const r = advertised[key];
    if (r && r.min <= v && v <= r.max) return release;
  }
  return '0.10.0';
}

/** APIs whose every version is flexible, advertised anyway (commented in advertised-versions.ts). */
const FLEXIBLE_ONLY_EXCEPTIONS: number[] = [
  ApiKey.DescribeCluster,
  ApiKey.DescribeUserScramCredentials,
  ApiKey.AlterUserScramCredentials,
  ApiKey.DescribeTransactions,
  ApiKey.ListTransactions,
];

describe('advertised version policy', () => {
  it('enables every librdkafka 2.0.2 feature the broker needs', () => {
    for (const [feature, rules] of Object.entries(LIBRDKAFKA_2_0_2_FEATURES)) {
      expect(enabled(rules, ADVERTISED_VERSIONS), feature).toBe(true);
    }
  });

  it('turns off only the librdkafka features Kafka 4.0 turns off too', () => {
    for (const [feature, rules] of Object.entries(LIBRDKAFKA_OFF_RULES)) {
      expect(enabled(rules, ADVERTISED_VERSIONS), `${feature}: ${EXPECTED_OFF[feature]}`).toBe(false);
    }
  });

  it('keeps minimum 0 wherever librdkafka pins version 0, and never a flexible version except ApiVersions', () => {
    for (const key of [
      ApiKey.Produce,
      ApiKey.FindCoordinator,
      ApiKey.JoinGroup,
      ApiKey.SyncGroup,
      ApiKey.Heartbeat,
      ApiKey.LeaveGroup,
      ApiKey.InitProducerId,
      ApiKey.SaslHandshake,
      ApiKey.SaslAuthenticate,
    ]) {
      expect(ADVERTISED_VERSIONS[key]?.min, ApiKey[key]).toBe(0);
    }
    for (const [key, range] of Object.entries(ADVERTISED_VERSIONS)) {
      const spec = apiByKey[Number(key)]!;
      expect(range.min, spec.name).toBeGreaterThanOrEqual(spec.validVersions.min);
      expect(range.max, spec.name).toBeLessThanOrEqual(spec.validVersions.max);
      const firstFlexible = spec.flexibleVersions?.min ?? Infinity;
      if (Number(key) === ApiKey.ApiVersions) expect(range.max).toBe(3);
      // An API with no non-flexible version at all can only be advertised flexible: the listed exceptions.
      else if (spec.validVersions.min >= firstFlexible) {
        expect(FLEXIBLE_ONLY_EXCEPTIONS, spec.name).toContain(Number(key));
        expect(range.min, spec.name).toBe(spec.validVersions.min);
      }
      else expect(range.max, `${spec.name} must stay below its first flexible version`).toBeLessThan(firstFlexible);
    }
  });

  it('covers every version kafkajs 2.2.4 and kafka-python 2.0.2 send', () => {
    const mustInclude: Array<[ApiKey, number[]]> = [
      [ApiKey.ApiVersions, [0, 1, 2, 3]],
      [ApiKey.Metadata, [0, 1, 4, 6]],
      [ApiKey.Produce, [3, 7]],
      [ApiKey.Fetch, [4, 11]],
      [ApiKey.ListOffsets, [1, 2, 3]],
      [ApiKey.FindCoordinator, [0, 2]],
      [ApiKey.JoinGroup, [2, 5]],
      [ApiKey.SyncGroup, [1, 3]],
      [ApiKey.Heartbeat, [1, 3]],
      [ApiKey.LeaveGroup, [1, 3]],
      [ApiKey.OffsetCommit, [2, 5]],
      [ApiKey.OffsetFetch, [1, 4]],
      [ApiKey.CreateTopics, [0, 3]],
      [ApiKey.DeleteTopics, [0, 1, 3]],
      [ApiKey.DescribeConfigs, [0, 2]],
      // kafkajs transactional producer (COMPATIBILITY.md §3a): FindCoordinator key type 1 needs v1+.
      [ApiKey.InitProducerId, [0, 1]],
      [ApiKey.AddPartitionsToTxn, [0, 1]],
      [ApiKey.AddOffsetsToTxn, [0, 1]],
      [ApiKey.TxnOffsetCommit, [0, 1]],
      [ApiKey.EndTxn, [0, 1]],
    ];
    for (const [key, versions] of mustInclude) {
      const r = ADVERTISED_VERSIONS[key]!;
      for (const v of versions) expect(r.min <= v && v <= r.max, `${ApiKey[key]} v${v}`).toBe(true);
    }
  });

  it('makes kafka-python 2.0.2 treat the broker as Kafka 2.4 (record batches, Produce v7)', () => {
    expect(kafkaPythonGuess(ADVERTISED_VERSIONS)).toBe('2.4');
  });

  it('is what every registered handler advertises', () => {
    for (const h of defaultHandlers()) expect(h.versions, ApiKey[h.apiKey]).toEqual(ADVERTISED_VERSIONS[h.apiKey]);
  });
});
