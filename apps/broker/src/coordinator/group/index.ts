export { GroupCoordinator, type GroupCoordinatorOptions } from './group-coordinator.js';
export type * from './api-types.js';
export {
  type GroupCoordinatorConfig,
  DEFAULT_GROUP_COORDINATOR_CONFIG,
  GROUP_COORDINATOR_CONFIG_KEYS,
  resolveGroupCoordinatorConfig,
} from './config.js';
export {
  type CoordinatorLog,
  type CoordinatorLogEntry,
  type CoordinatorRecord,
  type CoordinatorRecordBatch,
  type CoordinatorTxnMarker,
  type TransactionalProducer,
  GROUP_METADATA_TOPIC_NAME,
  recordsOf,
} from './coordinator-log.js';
export {
  type CoordinatorKey,
  type GroupMemberValue,
  type GroupMetadataValue,
  type OffsetCommitValue,
  GROUP_METADATA_KEY_VERSION,
  OFFSET_COMMIT_KEY_VERSION,
  decodeCoordinatorKey,
  decodeGroupMetadataValue,
  decodeOffsetCommitValue,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
} from './coordinator-records.js';
export {
  CONSUMER_PROTOCOL_TYPE,
  type ConsumerProtocolSubscription,
  decodeConsumerProtocolSubscription,
  decodeSubscribedTopics,
  encodeConsumerProtocolSubscription,
} from './consumer-protocol.js';
export { GroupCoordinatorError, type GroupCoordinatorErrorKind } from './errors.js';
export { type GroupState, GROUP_STATES } from './group-state.js';
export { AUTHORIZED_OPERATIONS_OMITTED } from './group-admin.js';
export { NEW_MEMBER_JOIN_TIMEOUT_MS } from './membership.js';
export { javaStringHashCode, kafkaAbs, partitionForGroup } from './partition-for-group.js';
export { ManualScheduler, type Scheduler, type TimerHandle, systemScheduler } from './scheduler.js';
