// @tributary/client: producer, consumer and admin speaking only the Kafka protocol.
export { TributaryClient } from './client.js';
export type { ClientConfig } from './client-config.js';
export type { SaslOptions } from './network/sasl/index.js';

export {
  KafkaError,
  ClientError,
  ConnectionError,
  RequestTimeoutError,
  TimeoutError,
  UnsupportedVersionError,
  AuthenticationError,
  ClosedError,
  ConfigError,
  IllegalStateError,
  isRetriableError,
} from './errors.js';

export { Producer, type DeliveryFailure, type BatchResult } from './producer/producer.js';
export type { ProducerConfig, CompressionName } from './producer/producer-config.js';
export type { Message, MessageHeaders, Payload, ProducerRecord, RecordMetadata } from './producer/message.js';
export { DefaultPartitioner, type Partitioner, type PartitionerInput } from './producer/partitioner.js';
export { murmur2, toPositive, partitionForKey } from './producer/murmur2.js';

export { Consumer, type EachBatchPayload, type EachMessagePayload, type RunOptions, type SubscribeOptions } from './consumer/consumer.js';
export type { ConsumerConfig, RebalanceListener } from './consumer/consumer-config.js';
export type { ConsumerBatch, ConsumerRecord, TopicPartition, TopicPartitionOffset } from './consumer/types.js';
export type { IsolationLevel } from './consumer/completed-fetch.js';
export type { OffsetResetPolicy } from './consumer/subscription-state.js';
export {
  CooperativeStickyAssignor,
  RangeAssignor,
  RoundRobinAssignor,
  type Assignor,
  type GroupAssignment,
  type MemberSubscription,
  type RebalanceProtocol,
} from './consumer/assignors/index.js';

export { Admin } from './admin/admin.js';
export { ResourceType, ConfigSource } from './admin/types.js';
export type {
  AlterConfigOp,
  ClusterDescription,
  ConfigEntry,
  ConfigResourceResult,
  GroupDescription,
  GroupListing,
  GroupMemberDescription,
  NewTopic,
  PartitionDescription,
  PartitionOffsets,
  TopicDescription,
} from './admin/types.js';
export type { ConfigResourceQuery, IncrementalAlteration } from './admin/configs.js';

export { Connection, type ConnectionOptions } from './network/connection.js';
export { CLIENT_VERSIONS } from './network/client-versions.js';
