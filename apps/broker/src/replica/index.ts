export { ReplicaManager, type ReplicaManagerOptions } from './replica-manager.js';
export { Partition, type PartitionLeadership } from './partition.js';
export { DelayedOperation, Purgatory } from './purgatory.js';
export {
  READ_COMMITTED,
  READ_UNCOMMITTED,
  type AbortedTransaction,
  type FetchParams,
  type FetchPartitionRequest,
  type FetchPartitionResult,
} from './fetch-types.js';
export type { AppendEntry, AppendRequest, ClientOrigin, PartitionAppendResult } from './append-types.js';
export type { ListOffsetRequest, ListOffsetResult } from './offset-lookup.js';
export type { RecordError } from './record-keys.js';
export { ReplicaError, partitionErrorOf, type PartitionError } from './partition-error.js';
export { checkProduceRecords, type ProduceTarget, type TransactionalBatchVerifier } from './produce-records-check.js';
export { writeTxnMarkers, type TxnMarkerRequest, type TxnMarkerResult, type TxnMarkerSpec, type TransactionalOffsetsCompletion } from './txn-markers.js';
