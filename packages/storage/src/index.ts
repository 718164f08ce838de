// @tributary/storage: the partition log store. Curated exports; nothing else is public.
export { StorageError, StorageErrorCodes, isStorageError, type StorageErrorCode } from './errors.js';
export { type Clock, systemClock, ManualClock } from './clock.js';
export { Scheduler, type ScheduledTask } from './scheduler.js';
export {
  type LogConfig,
  type CleanupPolicy,
  type TimestampTypeName,
  type CompressionTypeName,
  type ParseOptions,
  DEFAULT_LOG_CONFIG,
  LOG_CONFIG_NAMES,
  LONG_MAX,
  parseLogConfig,
  validateLogConfig,
  logConfigToProperties,
  isCompacted,
  isDeleteEnabled,
} from './config/log-config.js';
export { type FileIO, nodeFileIO } from './io/file-io.js';
export { FaultInjectingFileIO, type FaultRule, type FileOp } from './io/fault-injecting-io.js';
export { OffsetIndex, type OffsetPosition } from './index/offset-index.js';
export { TimeIndex, type TimestampOffset } from './index/time-index.js';
export {
  TransactionIndex,
  ABORTED_TXN_SIZE,
  ABORTED_TXN_VERSION,
  encodeAbortedTxn,
  decodeAbortedTxns,
  type AbortedTxn,
  type TxnIndexSearchResult,
} from './index/transaction-index.js';
export {
  LogSegment,
  SegmentClosedError,
  CorruptSegmentError,
  type LogSegmentOptions,
  type SegmentReadResult,
  type TimestampAndOffset,
  type RecoverResult,
} from './segment/log-segment.js';
export { type BatchHeader } from './segment/batch-cursor.js';
export {
  Log,
  CleaningAbortedError,
  UnexpectedAppendOffsetError,
  LATEST_TIMESTAMP,
  EARLIEST_TIMESTAMP,
  MAX_TIMESTAMP,
  EARLIEST_LOCAL_TIMESTAMP,
  type LogOptions,
  type AppendOptions,
  type AppendResult,
  type ReadOptions,
  type LogReadResult,
} from './log/log.js';
export { type AppendOrigin } from './log/append-analysis.js';
export { LogManager, type LogManagerOptions, type LogCleanerHook } from './manager/log-manager.js';
export {
  type TopicPartition,
  CLEAN_SHUTDOWN_FILE,
  partitionDirName,
  parsePartitionDirName,
  offsetFileName,
  tpKey,
} from './util/file-names.js';
// Checkpoints, leader epochs, producer state, compaction.
export * from './checkpoint/index.js';
export * from './epoch/index.js';
export * from './producer-state/index.js';
export * from './cleaner/index.js';
