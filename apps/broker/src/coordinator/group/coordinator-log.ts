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

/**
 * The transactional producer a TxnOffsetCommit is written for. Its batch carries the producer's id
 * and epoch, as Kafka writes it, so the transaction's COMMIT or ABORT marker in the same partition
 * decides whether the offsets count (and the log fences a producer whose epoch is stale).
 */
export interface TransactionalProducer {
  readonly producerId: number;
  readonly producerEpoch: number;
}

/** The records of one batch read back; `producerId` is set when the batch was transactional. */
export interface CoordinatorRecordBatch {
  readonly kind: 'records';
  readonly producerId: number | null;
  readonly records: readonly CoordinatorRecord[];
}

/** A transaction marker read back: the producer's transaction in this partition ended. */
export interface CoordinatorTxnMarker {
  readonly kind: 'marker';
  readonly producerId: number;
  readonly commit: boolean;
}

/** What a replay sees, in log order. */
export type CoordinatorLogEntry = CoordinatorRecordBatch | CoordinatorTxnMarker;

export interface CoordinatorLog {
  /**
   * Appends records to one partition, as one batch, resolving once they are durable (acks=all in a
   * cluster); rejects if they were not written. With `producer` the batch is transactional for
   * that producer (TxnOffsetCommit). A rejection may carry a Kafka error code as a numeric
   * `errorCode` (StorageError) or `code` (KafkaError) property; the coordinator maps it the way
   * Kafka does. Appends to one partition must be written in call order.
   */
  append(partition: number, records: readonly CoordinatorRecord[], producer?: TransactionalProducer): Promise<void>;
  /**
   * The partition from the log start to the current end, in log order: every batch of records
   * (with its transactional producer, if any) and every COMMIT/ABORT marker.
   */
  readAll(partition: number): AsyncIterable<CoordinatorLogEntry>;
}

/** Only the records, transactional or not, of a replay (for callers that do not track transactions). */
export async function* recordsOf(entries: AsyncIterable<CoordinatorLogEntry>): AsyncIterable<CoordinatorRecord> {
  for await (const entry of entries) {
    if (entry.kind === 'records') yield* entry.records;
  }
}
