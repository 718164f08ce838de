export { atomicWriteFile } from './atomic-write.js';
export { CheckpointError } from './checkpoint-error.js';
export { CHECKPOINT_VERSION, readCheckpointEntries, writeCheckpointEntries } from './checkpoint-file.js';
export {
  RECOVERY_POINT_CHECKPOINT,
  LOG_START_OFFSET_CHECKPOINT,
  REPLICATION_OFFSET_CHECKPOINT,
  CLEANER_OFFSET_CHECKPOINT,
  partitionKey,
  parsePartitionKey,
  readOffsetCheckpoint,
  writeOffsetCheckpoint,
} from './offset-checkpoint-file.js';
