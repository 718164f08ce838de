export { GroupCoordinatorService, type GroupCoordinatorServiceOptions } from './group-coordinator-service.js';
export { StorageCoordinatorLog } from './storage-coordinator-log.js';
export { type OffsetsPartitions, localOffsetsPartitions, replicatedOffsetsPartitions } from './offsets-partitions.js';
export { ensureOffsetsTopic, OFFSETS_TOPIC_CONFIGS } from './offsets-topic.js';
export { groupCoordinatorConfigFrom } from './broker-group-config.js';
export { clockScheduler } from './clock-scheduler.js';
export * from './group/index.js';
export * from './transaction/index.js';
