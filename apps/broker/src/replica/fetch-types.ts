/** Fetch's isolation_level (v4+). */
export const READ_UNCOMMITTED = 0;
export const READ_COMMITTED = 1;

/** One partition of a Fetch, with the request's numbers already checked and converted. */
export interface FetchPartitionRequest {
  /** The topic name; undefined when the request named a topic id this broker does not know (v13+). */
  readonly topic: string | undefined;
  readonly partition: number;
  /** Where to read from; a value beyond 2^53 is already out of range for any log. */
  readonly fetchOffset: number;
  readonly partitionMaxBytes: number;
  /** The client's view of the leader epoch (v9+), -1 when unknown. */
  readonly currentLeaderEpoch: number;
}

/** What ReplicaManager.fetch needs of a Fetch request (Kafka's FetchParams). */
export interface FetchParams {
  /** How long to wait for minBytes; <= 0 answers at once. */
  readonly maxWaitMs: number;
  readonly minBytes: number;
  /** Response-level byte limit across partitions (the first batch found is returned whole regardless). */
  readonly maxBytes: number;
  readonly isolationLevel: number;
  readonly partitions: readonly FetchPartitionRequest[];
}

export interface AbortedTransaction {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
}

/** One partition of the answer, in request order. Error answers carry -1 offsets, as Kafka's. */
export interface FetchPartitionResult {
  readonly errorCode: number;
  readonly highWatermark: number;
  readonly lastStableOffset: number;
  readonly logStartOffset: number;
  /** Whole stored batches, exactly as stored (never decoded or recompressed); empty when none. */
  readonly records: Buffer;
  /** READ_COMMITTED: the aborted transactions overlapping `records`; READ_UNCOMMITTED: null. */
  readonly abortedTransactions: readonly AbortedTransaction[] | null;
}
