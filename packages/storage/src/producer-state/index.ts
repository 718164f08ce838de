export {
  ProducerStateManager,
  DEFAULT_PRODUCER_ID_EXPIRATION_MS,
  type ProducerStateManagerOptions,
  type CheckResult,
  type CompletedTxn,
  type ProducerInfo,
  type LastRecord,
} from './producer-state-manager.js';
export { ProducerStateError, ProducerStateErrorCodes, type ProducerStateErrorCode } from './producer-state-error.js';
export { ProducerStateEntry, NUM_BATCHES_TO_RETAIN, type BatchMetadata } from './producer-state-entry.js';
export { snapshotFileName, snapshotOffsetOf, SNAPSHOT_SUFFIX } from './snapshot-file.js';
