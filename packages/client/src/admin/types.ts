/** Kafka's ConfigResource.Type codes. */
export enum ResourceType {
  Unknown = 0,
  Any = 1,
  Topic = 2,
  Group = 3,
  Broker = 4,
  BrokerLogger = 8,
  ClientMetrics = 16,
}

/** Kafka's DescribeConfigsResponse.ConfigSource codes. */
export enum ConfigSource {
  Unknown = 0,
  DynamicTopicConfig = 1,
  DynamicBrokerConfig = 2,
  DynamicDefaultBrokerConfig = 3,
  StaticBrokerConfig = 4,
  DefaultConfig = 5,
  DynamicBrokerLoggerConfig = 6,
  ClientMetricsConfig = 7,
  GroupConfig = 8,
}

export type AlterConfigOp = 'set' | 'delete' | 'append' | 'subtract';

export interface NewTopic {
  topic: string;
  /** -1 (default): the broker's num.partitions. */
  numPartitions?: number;
  /** -1 (default): the broker's default.replication.factor. */
  replicationFactor?: number;
  /** Explicit replicas per partition (instead of numPartitions/replicationFactor). */
  replicaAssignment?: Array<{ partition: number; replicas: number[] }>;
  configEntries?: Array<{ name: string; value: string | null }>;
}

export interface PartitionDescription {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
}

export interface TopicDescription {
  name: string;
  /** Hex topic id, or null when the broker does not report ids. */
  topicId: string | null;
  isInternal: boolean;
  partitions: PartitionDescription[];
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  isSensitive: boolean;
  source: ConfigSource;
  synonyms: Array<{ name: string; value: string | null; source: ConfigSource }>;
}

export interface ConfigResourceResult {
  type: ResourceType;
  name: string;
  configs: ConfigEntry[];
}

export interface ClusterDescription {
  clusterId: string | null;
  controllerId: number;
  brokers: Array<{ nodeId: number; host: string; port: number; rack: string | null }>;
}

export interface GroupListing {
  groupId: string;
  protocolType: string;
  /** Empty when the broker is too old to report it (ListGroups < v4). */
  state: string;
}

export interface GroupMemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Decoded when the group uses the consumer protocol. */
  subscription: string[] | null;
  assignment: Array<{ topic: string; partitions: number[] }> | null;
  memberMetadata: Buffer;
  memberAssignment: Buffer;
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: GroupMemberDescription[];
}

export interface PartitionOffsets {
  partition: number;
  /** Earliest offset (log start). */
  low: bigint;
  /** High watermark. */
  high: bigint;
}
