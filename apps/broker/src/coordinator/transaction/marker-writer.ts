import type { TopicPartition } from './topic-partition-set.js';

/** COMMIT or ABORT markers for one producer's transaction (Kafka's TxnMarkerEntry). */
export interface TxnMarker {
  readonly producerId: number;
  readonly producerEpoch: number;
  /** The leader epoch of the __transaction_state partition the decision was made in; logs refuse older ones. */
  readonly coordinatorEpoch: number;
  readonly commit: boolean;
  readonly partitions: readonly TopicPartition[];
}

export interface TxnMarkerPartitionResult extends TopicPartition {
  /** NONE when the marker is durable in the partition's log. */
  readonly errorCode: number;
}

/**
 * Where markers go (Kafka's WriteTxnMarkers to each partition leader). The broker binds it to its
 * replica manager (replica/txn-markers.ts): one control batch per partition, and the group
 * coordinator told about markers in __consumer_offsets partitions.
 */
export interface TxnMarkerWriter {
  /** One result per partition of the marker, in any order. Reports failures in results, never rejects. */
  write(marker: TxnMarker): Promise<readonly TxnMarkerPartitionResult[]>;
}
