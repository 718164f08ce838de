/**
 * Where the coordinator persists its state: the compacted internal topic __consumer_offsets. The
 * broker binds this to the real log store; the coordinator only needs to append one partition's
 * records and to read a partition back in full when it becomes that partition's coordinator.
 */
export const GROUP_METADATA_TOPIC_NAME = '__consumer_offsets';

/** One record of __consumer_offsets: a versioned key and a value, or null for a tombstone. */
export interface CoordinatorRecord {
  readonly key: Buffer;
  readonly value: Buffer | null;
}

export interface CoordinatorLog {
  /**
   * Appends records to one partition, as one batch, resolving once they are durable (acks=all in a
   * cluster); rejects if they were not written. A rejection may carry a Kafka error code as a
   * numeric `errorCode` (StorageError) or `code` (KafkaError) property; the coordinator maps it the
   * way Kafka does. Appends to one partition must be written in call order.
   */
  append(partition: number, records: readonly CoordinatorRecord[]): Promise<void>;
  /** Every record of the partition from the log start to the current end, in log order. */
  readAll(partition: number): AsyncIterable<CoordinatorRecord>;
}
