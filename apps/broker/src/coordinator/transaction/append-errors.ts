import { ErrorCode } from '@tributary/protocol';

// One reading of a rejected append's error code for both coordinators.
export { appendFailureCode } from '../group/append-errors.js';

/**
 * Kafka's TransactionStateManager.appendTransactionToLog mapping: a failed write of
 * __transaction_state becomes an error the producer knows how to react to (find the coordinator
 * again, or retry), never a produce error it did not ask for.
 */
export function transactionLogErrorFor(appendError: number): number {
  switch (appendError) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return appendError;
  }
}
