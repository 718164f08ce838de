/**
 * Where the transaction coordinator persists its state: the compacted internal topic
 * __transaction_state, one record per transactional id (key: the id; value: its state, or null
 * once it expired). The broker binds this to its log store; the coordinator only appends to a
 * partition and reads a partition back when it becomes that partition's coordinator.
 */
export const TRANSACTION_STATE_TOPIC_NAME = '__transaction_state';

export interface TransactionLogRecord {
  readonly key: Buffer;
  readonly value: Buffer | null;
}

export interface TransactionLog {
  /**
   * Appends records to one partition as one batch, resolving once they are durable (acks=all);
   * rejects if they were not written, with the Kafka error code as a numeric `errorCode`
   * (StorageError) or `code` (KafkaError) property when there is one. Appends to one partition are
   * written in call order.
   */
  append(partition: number, records: readonly TransactionLogRecord[]): Promise<void>;
  /** Every record of the partition from the log start to the current end, in log order. */
  readAll(partition: number): AsyncIterable<TransactionLogRecord>;
}
