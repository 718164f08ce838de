export type {
  BrokerEndpoint,
  BrokerRegistration,
  MetadataChange,
  MetadataStore,
  NewTopic,
  PartitionAssignment,
  TopicMetadata,
} from './metadata-store.js';
export { EmbeddedMetadataStore, METADATA_FILE, type EmbeddedMetadataStoreOptions } from './embedded-metadata-store.js';
export { MetadataError, isMetadataError, type MetadataErrorName } from './metadata-error.js';
export { randomKafkaUuid, uuidFromString, uuidToString } from './kafka-uuid.js';
export { topicNameProblem, collisionKey, INTERNAL_TOPICS, MAX_TOPIC_NAME_LENGTH } from './topic-names.js';
export {
  TopicManager,
  MAX_PARTITIONS_PER_REQUEST,
  type CreatedTopic,
  type DeletedTopic,
  type DeleteOutcome,
  type NewTopicSpec,
  type TopicDefaultsSource,
  type TopicManagerOptions,
  type TopicOutcome,
  type TopicRef,
} from './topic-manager.js';
export { AdminError, isAdminError, toAdminError, type AdminErrorName } from './admin-error.js';
export { DynamicBrokerConfigs, CLUSTER_DEFAULT_ENTITY } from './dynamic-broker-configs.js';
export { openAdminPlane, type AdminPlane, type AdminPlaneOptions } from './admin-plane.js';
export {
  ConfigAdmin,
  ConfigResourceType,
  AlterConfigOpType,
  applyOps,
  type AlterableConfig,
  type ConfigResourceRef,
  type IncrementalAlterableConfig,
  type ResourceOutcome,
} from './config-admin.js';
export {
  describeBrokerConfigs,
  describeTopicConfigs,
  effectiveBrokerValue,
  filterConfigs,
  type BrokerConfigLayers,
  type ConfigSynonym,
  type DescribedConfig,
  type DescribeOptions,
} from './config-describer.js';
export { deleteRecords, describeLogDirs, HIGH_WATERMARK_OFFSET, type DeleteRecordsResult, type LogDirDescription, type LogDirPartition } from './log-admin.js';
export { KeyedLock } from './keyed-lock.js';
