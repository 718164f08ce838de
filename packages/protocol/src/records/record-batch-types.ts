import type { CompressionType, TimestampType } from './batch-header.js';
import type { DecodedRecord, RecordHeader } from './record.js';

/** Kafka's "absent" values for batch fields (RecordBatch.NO_PRODUCER_ID and friends). */
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
export const NO_TIMESTAMP = -1n;

/**
 * A record to encode. Offsets and timestamps may be given absolute or as deltas; when both are
 * present the absolute value wins, so a decoded record can be re-encoded into a new batch (log
 * compaction, a new delete horizon) and keep its offset and timestamp.
 */
export interface RecordInput {
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: RecordHeader[];
  /** Record-level attributes (int8); unused by Kafka so far, 0 by default. */
  attributes?: number;
  /** Absolute offset; its delta from the batch's baseOffset is stored. */
  offset?: bigint;
  /** Offset delta; defaults to the record's index in the batch. */
  offsetDelta?: number;
  /** Absolute timestamp in ms; its delta from the batch's baseTimestamp is stored. */
  timestamp?: bigint;
  /** Timestamp delta; defaults to 0 (the batch's baseTimestamp). */
  timestampDelta?: bigint;
}

export interface RecordBatchInput {
  /** Offset of the first record; the broker overwrites it on append. Default 0. */
  baseOffset?: bigint;
  /** Default -1 (set by the leader on append). */
  partitionLeaderEpoch?: number;
  /**
   * Raw attributes to start from (compression in bits 0-2, timestamp type bit 3, transactional
   * bit 4, control bit 5, delete horizon bit 6); the named fields below override their bits.
   */
  attributes?: number;
  compression?: CompressionType;
  timestampType?: TimestampType;
  isTransactional?: boolean;
  isControl?: boolean;
  /**
   * Set by log compaction when a batch holds tombstones or transaction markers: stores the delete
   * horizon in baseTimestamp and sets attribute bit 6 (KIP-534). Record deltas are then relative
   * to the horizon. If baseTimestamp is given too, the two must be equal.
   */
  deleteHorizonMs?: bigint;
  /** Default -1 (no idempotent producer). */
  producerId?: bigint;
  /** Default -1. */
  producerEpoch?: number;
  /** Default -1. */
  baseSequence?: number;
  /**
   * Default: deleteHorizonMs if given, else the first record's absolute timestamp, else now.
   */
  baseTimestamp?: bigint;
  /** Default: the greatest record timestamp, or -1 for a batch without records. */
  maxTimestamp?: bigint;
  /**
   * Default: the last record's offset delta. Compaction may keep a larger one (records removed
   * from the end of a batch) so the batch still covers its original offsets.
   */
  lastOffsetDelta?: number;
  records: RecordInput[];
}

export interface DecodedRecordBatch {
  baseOffset: bigint;
  /** baseOffset + lastOffsetDelta. */
  lastOffset: bigint;
  /** Bytes after the batchLength field, as stored. */
  batchLength: number;
  /** Total bytes of the batch, batchLength + 12. */
  sizeInBytes: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  compression: CompressionType;
  timestampType: TimestampType;
  isTransactional: boolean;
  isControl: boolean;
  hasDeleteHorizon: boolean;
  /** baseTimestamp when the delete-horizon bit is set, else null. */
  deleteHorizonMs: bigint | null;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  records: DecodedRecord[];
}
