import { ErrorCode } from '@tributary/protocol';

/**
 * Turning a failed append to __consumer_offsets into the error a client should see, with Kafka's
 * mappings: the client must learn to find the coordinator again or retry, not see a produce error
 * it never asked for.
 */

/** The Kafka error code a rejected append carries (StorageError.errorCode, KafkaError.code), else UNKNOWN_SERVER_ERROR. */
export function appendFailureCode(err: unknown): number {
  if (typeof err === 'object' && err !== null) {
    const e = err as { errorCode?: unknown; code?: unknown };
    if (typeof e.errorCode === 'number') return e.errorCode;
    if (typeof e.code === 'number') return e.code;
  }
  return ErrorCode.UNKNOWN_SERVER_ERROR;
}

/** Kafka's GroupMetadataManager.maybeConvertOffsetCommitError (also used for deletions). */
export function offsetCommitErrorFor(appendError: number): number {
  switch (appendError) {
    case ErrorCode.NETWORK_EXCEPTION:
      return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
    default:
      return appendError;
  }
}

/** Kafka's mapping in GroupMetadataManager.storeGroup, reported to SyncGroup and JoinGroup callers. */
export function storeGroupErrorFor(appendError: number): number {
  switch (appendError) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.REBALANCE_IN_PROGRESS;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return appendError;
  }
}
