import { ApiKey } from '@tributary/protocol';

/**
 * The versions of each API this client knows how to fill and read, per API key. The highest version
 * the broker also supports is used (ApiVersions). The generated codecs cover more; these bounds are
 * where the client's semantics stop:
 * - Produce from v3 and Fetch from v4: record batches (magic 2) only, as Kafka 4.0 requires.
 * - Fetch up to v12 and Metadata/DeleteTopics by name: v13+ identify topics by id only.
 * - OffsetCommit ≤ 8, OffsetFetch ≤ 8: v9 belongs to the KIP-848 consumer protocol.
 */
export const CLIENT_VERSIONS: Readonly<Partial<Record<ApiKey, { min: number; max: number }>>> = {
  [ApiKey.Produce]: { min: 3, max: 11 },
  [ApiKey.Fetch]: { min: 4, max: 12 },
  [ApiKey.ListOffsets]: { min: 1, max: 10 },
  [ApiKey.Metadata]: { min: 1, max: 12 },
  [ApiKey.OffsetCommit]: { min: 2, max: 8 },
  [ApiKey.OffsetFetch]: { min: 1, max: 8 },
  [ApiKey.FindCoordinator]: { min: 0, max: 4 },
  [ApiKey.JoinGroup]: { min: 0, max: 9 },
  [ApiKey.Heartbeat]: { min: 0, max: 4 },
  [ApiKey.LeaveGroup]: { min: 0, max: 5 },
  [ApiKey.SyncGroup]: { min: 0, max: 5 },
  [ApiKey.DescribeGroups]: { min: 0, max: 5 },
  [ApiKey.ListGroups]: { min: 0, max: 4 },
  [ApiKey.SaslHandshake]: { min: 1, max: 1 },
  [ApiKey.ApiVersions]: { min: 0, max: 3 },
  [ApiKey.CreateTopics]: { min: 0, max: 7 },
  [ApiKey.DeleteTopics]: { min: 0, max: 5 },
  [ApiKey.DeleteRecords]: { min: 0, max: 2 },
  [ApiKey.InitProducerId]: { min: 0, max: 5 },
  [ApiKey.DescribeConfigs]: { min: 0, max: 4 },
  [ApiKey.AlterConfigs]: { min: 0, max: 2 },
  [ApiKey.SaslAuthenticate]: { min: 0, max: 2 },
  [ApiKey.CreatePartitions]: { min: 0, max: 3 },
  [ApiKey.DeleteGroups]: { min: 0, max: 2 },
  [ApiKey.IncrementalAlterConfigs]: { min: 0, max: 1 },
  [ApiKey.OffsetDelete]: { min: 0, max: 0 },
  [ApiKey.DescribeCluster]: { min: 0, max: 1 },
};
