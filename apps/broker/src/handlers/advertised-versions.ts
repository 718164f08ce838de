import { ApiKey } from '@tributary/protocol';

export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

/**
 * The version ranges the broker advertises in ApiVersions, per API key: policy, written by hand.
 *
 * Real clients read these ranges as more than "what can I send" (see
 * ../shared/kafka-protocol/COMPATIBILITY.md §3b–§3d and §5.1):
 * - librdkafka 2.0.2 enables features only when a range overlaps a pinned old version, so minimums
 *   stay at 0 where it needs them: Produce (0 gates gzip/snappy/lz4 at produce time, like Kafka 4.0's
 *   KAFKA-18659 workaround; the Produce handler answers v0–2 with UNSUPPORTED_VERSION),
 *   FindCoordinator, JoinGroup/SyncGroup/Heartbeat/LeaveGroup, InitProducerId, SaslHandshake,
 *   SaslAuthenticate; OffsetCommit ≤ 2, OffsetFetch ≤ 1; Produce must include 3 and 7, Fetch 4 and
 *   10, ListOffsets 1.
 * - kafka-python 2.0.2 guesses the broker's release from maxima (Produce 8 → Kafka 2.4), so the set
 *   matches one real release: Kafka 2.4's ranges, clamped below the flexible versions (which none
 *   of the three clients needs, except librdkafka's ApiVersions v3).
 * - kafkajs ignores minimums but fails when a key it calls is missing.
 *
 * Only keys with a registered handler are advertised (HandlerRegistry), so this table may list an
 * API before its handler exists; a handler's `versions` must be its entry here (a test checks).
 * Raising a maximum later is safe (clients clamp to it); raising a minimum is not.
 */
export const ADVERTISED_VERSIONS: Readonly<Partial<Record<ApiKey, VersionRange>>> = {
  [ApiKey.Produce]: { min: 0, max: 8 },
  [ApiKey.Fetch]: { min: 4, max: 11 },
  [ApiKey.ListOffsets]: { min: 0, max: 5 },
  [ApiKey.Metadata]: { min: 0, max: 8 },
  [ApiKey.OffsetCommit]: { min: 0, max: 7 },
  [ApiKey.OffsetFetch]: { min: 0, max: 5 },
  [ApiKey.FindCoordinator]: { min: 0, max: 2 },
  [ApiKey.JoinGroup]: { min: 0, max: 5 },
  [ApiKey.Heartbeat]: { min: 0, max: 3 },
  [ApiKey.LeaveGroup]: { min: 0, max: 3 },
  [ApiKey.SyncGroup]: { min: 0, max: 3 },
  [ApiKey.DescribeGroups]: { min: 0, max: 4 },
  [ApiKey.ListGroups]: { min: 0, max: 2 },
  [ApiKey.SaslHandshake]: { min: 0, max: 1 },
  [ApiKey.ApiVersions]: { min: 0, max: 3 },
  [ApiKey.CreateTopics]: { min: 0, max: 4 },
  [ApiKey.DeleteTopics]: { min: 0, max: 3 },
  [ApiKey.DeleteRecords]: { min: 0, max: 1 },
  [ApiKey.InitProducerId]: { min: 0, max: 1 },
  [ApiKey.AddPartitionsToTxn]: { min: 0, max: 2 },
  [ApiKey.AddOffsetsToTxn]: { min: 0, max: 2 },
  [ApiKey.EndTxn]: { min: 0, max: 2 },
  [ApiKey.TxnOffsetCommit]: { min: 0, max: 2 },
  // Sent by transaction coordinators to partition leaders, not by clients; Kafka brokers serve it,
  // so this one does too. v1 is flexible: clamped to v0 like the rest.
  [ApiKey.WriteTxnMarkers]: { min: 0, max: 0 },
  [ApiKey.DescribeConfigs]: { min: 0, max: 2 },
  [ApiKey.AlterConfigs]: { min: 0, max: 1 },
  [ApiKey.SaslAuthenticate]: { min: 0, max: 1 },
  [ApiKey.CreatePartitions]: { min: 0, max: 1 },
  [ApiKey.DeleteGroups]: { min: 0, max: 1 },
  // Kafka 2.4 brought OffsetDelete v0 (KIP-496), its only version; librdkafka's DeleteConsumerGroupOffsets uses it.
  [ApiKey.OffsetDelete]: { min: 0, max: 0 },
  // Admin plane APIs Kafka 2.4 also had, clamped below their flexible versions (IncrementalAlterConfigs
  // v1, DescribeLogDirs v2); none of the three clients sends them, the Java AdminClient does.
  [ApiKey.IncrementalAlterConfigs]: { min: 0, max: 0 },
  [ApiKey.DescribeLogDirs]: { min: 0, max: 1 },
  // Kafka 2.8+ (KIP-700). Every version is flexible, so it is an exception to the rule above;
  // clients that do not know key 60 ignore it (the Java AdminClient falls back to Metadata).
  [ApiKey.DescribeCluster]: { min: 0, max: 1 },
  // Kafka 2.7+ (KIP-554): SCRAM user management. Their only version is flexible, the same exception
  // as DescribeCluster; none of the three clients sends them (librdkafka from 2.2, the Java AdminClient does).
  [ApiKey.DescribeUserScramCredentials]: { min: 0, max: 0 },
  [ApiKey.AlterUserScramCredentials]: { min: 0, max: 0 },
  // Kafka 3.0+ (KIP-664; ListTransactions v1 with its duration filter is KIP-994): transaction
  // administration (kafka-transactions.sh, the Java AdminClient). Every version is flexible, the
  // same exception as DescribeCluster; none of the three clients sends them.
  [ApiKey.DescribeTransactions]: { min: 0, max: 0 },
  [ApiKey.ListTransactions]: { min: 0, max: 1 },
};

/** The advertised range of an API key; throws for a key the policy does not cover (a programming error). */
export function advertisedVersions(apiKey: ApiKey): VersionRange {
  const range = ADVERTISED_VERSIONS[apiKey];
  if (!range) throw new Error(`no advertised version range for API key ${apiKey}; add one to advertised-versions.ts`);
  return range;
}
