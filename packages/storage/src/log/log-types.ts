import type { Clock } from '../clock.js';
import type { LogConfig } from '../config/log-config.js';
import { StorageError } from '../errors.js';
import type { FileIO } from '../io/file-io.js';
import type { Scheduler } from '../scheduler.js';
import type { TopicPartition } from '../util/file-names.js';
import type { AppendOrigin } from './append-analysis.js';
import type { Log } from './log.js';

/** ListOffsets' special timestamps (Kafka's ListOffsetsRequest constants). */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
export const MAX_TIMESTAMP = -3;
export const EARLIEST_LOCAL_TIMESTAMP = -4;

export interface LogOptions {
  /** The partition directory, `<topic>-<partition>`. */
  dir: string;
  config: LogConfig;
  /** Parsed from the directory name when omitted. */
  topicPartition?: TopicPartition;
  clock?: Clock;
  io?: FileIO;
  /** Shared background scheduler (file deletion); a private one is made when omitted. */
  scheduler?: Scheduler;
  /** Offset below which the log is known flushed (recovery-point checkpoint); default 0. */
  recoveryPoint?: number;
  /** Whether the last shutdown was clean (the log dir had the clean-shutdown marker); default false. */
  hadCleanShutdown?: boolean;
  /** Log start offset from the log-start-offset checkpoint; default 0. */
  logStartOffset?: number;
  /** producer.id.expiration.ms; default one day. */
  producerIdExpirationMs?: number;
  /**
   * When set, the high watermark is whatever updateHighWatermark() last said (a replicated
   * partition); otherwise it follows the log end offset (a single-replica log).
   */
  externalHighWatermark?: boolean;
  /**
   * Check each batch's CRC again on every read (default false, as Kafka). Every stored batch was
   * CRC-checked when appended, and recovery re-checks everything written after the last flush, so
   * this only guards against the disk itself corrupting flushed data; it costs ~0.25 ms per MiB read.
   */
  verifyCrcOnRead?: boolean;
  /** Told once when the log goes offline after an I/O error. */
  onOffline?: (log: Log, error: StorageError) => void;
  /** Told whenever the log start offset moves forward (to checkpoint it promptly). */
  onLogStartOffsetChanged?: (log: Log, logStartOffset: number) => void;
  /** Told after truncateTo / truncateFullyAndStartAt with the new log end (the cleaner's checkpoint follows). */
  onTruncated?: (log: Log, logEndOffset: number) => void;
}

export interface AppendOptions {
  /** Default 'client'. */
  origin?: AppendOrigin;
  /** The leader's epoch, stamped into every batch and recorded in the leader-epoch cache. */
  leaderEpoch?: number;
  /**
   * Called once the batches passed the header checks (a batch of 256 KiB or more has its CRC
   * checked while it is written, so after this), just before they are written, at a point no other
   * append to this log can come between (the broker re-verifies a transactional batch here, so a
   * transaction's marker can never be written between the check and the batch). If it throws,
   * nothing is written or changed and the append rejects with that error. Not called for a
   * duplicate (an idempotent retry answers the original offsets) nor for replication.
   */
  beforeWrite?: () => void;
}

/** What an append did (Kafka's LogAppendInfo, the parts the broker needs). */
export interface AppendResult {
  firstOffset: number;
  lastOffset: number;
  /** The LogAppendTime stamped on the batches, or -1 under CreateTime. */
  logAppendTime: number;
  /** Max timestamp of the appended batches (after LogAppendTime stamping). */
  maxTimestamp: number;
  logStartOffset: number;
  recordCount: number;
  batchCount: number;
  sizeInBytes: number;
  /** The batch repeated one already in the log (idempotent retry): nothing was appended. */
  duplicate: boolean;
}

export interface ReadOptions {
  /** Only batches whose last offset is below this are returned (high watermark / last stable offset). */
  upperBoundOffset?: number;
  /** Return the first batch even if it is larger than maxBytes (default true). */
  minOneBatch?: boolean;
  /**
   * A buffer to read into (reused by a caller that is done with the previous result, e.g. once a
   * fetch response has been written to its socket): saves allocating, and later collecting, a
   * buffer per read. Used when the bytes fit; the result's `records` is then a view of it.
   */
  into?: Buffer;
}

export interface LogReadResult {
  /** Whole stored batches; empty when there is nothing to return. */
  records: Buffer;
  /** Base offset of the first batch returned (may be below the requested offset), -1 when empty. */
  firstOffset: number;
  /** Last offset of the last batch returned, -1 when empty. */
  lastOffset: number;
  /** Where the next sequential read should start. */
  nextOffset: number;
  batchCount: number;
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
  /** Segment and byte position of the first batch (Kafka's LogOffsetMetadata), -1 when empty. */
  segmentBaseOffset: number;
  position: number;
}

/** replaceSegments found the segments it was asked to replace changed (retention, truncation). */
export class CleaningAbortedError extends StorageError {
  constructor(message: string) {
    super('UNKNOWN_SERVER_ERROR', message);
  }
}

/** A follower append whose first offset is below the log end (Kafka's UnexpectedAppendOffsetException). */
export class UnexpectedAppendOffsetError extends StorageError {
  constructor(
    message: string,
    readonly firstOffset: number,
    readonly lastOffset: number,
  ) {
    super('UNKNOWN_SERVER_ERROR', message);
  }
}

