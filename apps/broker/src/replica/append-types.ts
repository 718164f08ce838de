import type { RecordError } from './record-keys.js';

/** Who is writing, which decides what is checked (storage's AppendOrigin, minus replication). */
export type ClientOrigin = 'client' | 'coordinator';

/** One partition's records in an append. */
export interface AppendEntry {
  readonly topic: string;
  readonly partition: number;
  /** The Produce request's records field; storage patches offsets into it in place. */
  readonly records: Buffer;
  /**
   * Runs at the moment of the write, where no other append to the partition can come between
   * (storage's beforeWrite); throwing a ReplicaError refuses the entry with its code.
   */
  readonly beforeWrite?: () => void;
}

export interface AppendRequest {
  /** 0, 1 or -1 (all in-sync replicas); validated by the caller. */
  readonly acks: number;
  readonly origin: ClientOrigin;
  readonly entries: readonly AppendEntry[];
}

/** One partition's outcome (Kafka's PartitionResponse). Failed appends carry -1 offsets. */
export interface PartitionAppendResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  /** Offset of the first appended record; for an idempotent retry, the original batch's. */
  readonly baseOffset: number;
  /** The LogAppendTime stamped on the batch, -1 under CreateTime. */
  readonly logAppendTime: number;
  readonly logStartOffset: number;
  /** Records refused individually (keyless records on a compacted topic). */
  readonly recordErrors: readonly RecordError[];
}
