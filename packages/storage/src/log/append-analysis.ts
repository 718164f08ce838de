import {
  ATTR_COMPRESSION_MASK,
  ATTR_CONTROL,
  ATTR_TIMESTAMP_TYPE,
  ATTR_TRANSACTIONAL,
  BatchLayout,
  CompressionType,
  ProtocolError,
  RecordBatchView,
} from '@tributary/protocol';
import type { LogConfig } from '../config/log-config.js';
import { fromProtocolError, StorageError } from '../errors.js';

/**
 * Who is appending, which decides what is validated (Kafka's AppendOrigin): clients get every
 * check and offsets assigned; the coordinator may write control batches; replication keeps the
 * leader's offsets and only structural checks apply.
 */
export type AppendOrigin = 'client' | 'coordinator' | 'replication';

/** The batches of one append, validated from their headers alone. */
export interface AppendAnalysis {
  /** Who appends (the producer-state checks depend on it, as in Kafka). */
  origin: AppendOrigin;
  views: RecordBatchView[];
  /** Sum over batches of (lastOffsetDelta + 1): offsets the append takes. */
  offsetCount: number;
  recordCount: number;
  maxTimestamp: number;
  /** Base offset of the first batch and last offset of the last one, as sent (replication uses them). */
  firstOffset: number;
  lastOffset: number;
  /** Whether batch offsets strictly increase (checked for replication). */
  monotonic: boolean;
}

const MIN_BATCH_LENGTH = BatchLayout.HEADER_SIZE - BatchLayout.LOG_OVERHEAD;

/**
 * RecordBatchView.validate() for a batch whose framing analyzeAppend has already checked (header
 * present, length in range): magic, offset delta and count, codec, then the CRC unless the caller
 * checks it later (checkCrcs). Same checks, order and errors as validate(), without re-reading the
 * length fields it re-checks; count and delta come from the caller, which needs them anyway.
 */
function validateBatch(view: RecordBatchView, count: number, delta: number, attributes: number, checkCrc: boolean): void {
  const magic = view.magic;
  if (magic !== 2) {
    throw magic === 0 || magic === 1
      ? new ProtocolError('LEGACY_MESSAGE_FORMAT', `message format v${magic} (magic ${magic}) is not supported; use record batch v2`)
      : new ProtocolError('UNSUPPORTED_VERSION', `unknown record batch magic ${magic}`);
  }
  if (delta < 0 || count < 0) {
    throw new ProtocolError('INVALID_VALUE', `record batch has lastOffsetDelta ${delta}, count ${count}`);
  }
  const compression = attributes & ATTR_COMPRESSION_MASK;
  if (compression > CompressionType.Zstd) throw new ProtocolError('UNKNOWN_CODEC', `unknown compression codec id ${compression}`);
  if (checkCrc) {
    const crc = view.crc;
    const computed = view.computeCrc();
    if (computed !== crc) throw new ProtocolError('CORRUPT_CRC', `record batch CRC mismatch: stored ${crc.toString(16)}, computed ${computed.toString(16)}`);
  }
}

/** Checks every batch's CRC-32C; the first mismatch is CORRUPT_MESSAGE (Kafka's CorruptRecordException). */
export function checkCrcs(views: readonly RecordBatchView[]): void {
  for (const view of views) {
    if (!view.isCrcValid()) {
      throw new StorageError('CORRUPT_MESSAGE', `record batch at byte ${view.pos}: CRC mismatch: stored ${view.crc.toString(16)}, computed ${view.computeCrc().toString(16)}`);
    }
  }
}

/**
 * Walks the batches of a Produce (or replication) `records` field and checks, per batch and without
 * decoding records: framing, magic 2, CRC (unless checkCrc is false: the caller runs checkCrcs), size against max.message.bytes, and for clients Kafka's
 * LogValidator header rules (count matches the offset range, no control batches, a producer id
 * needs a sequence) and the message.timestamp.before/after.max.ms bounds on the batch timestamps.
 */
export function analyzeAppend(records: Buffer, cfg: LogConfig, origin: AppendOrigin, now: number, checkCrc = true): AppendAnalysis {
  if (records.length > cfg.segmentBytes) {
    throw new StorageError(
      'RECORD_LIST_TOO_LARGE',
      `Message batch size is ${records.length} bytes which exceeds the maximum configured segment size of ${cfg.segmentBytes}`,
    );
  }
  const views: RecordBatchView[] = [];
  let pos = 0;
  let offsetCount = 0;
  let recordCount = 0;
  let maxTimestamp = -1;
  let prevLast = -1;
  let monotonic = true;
  let firstOffset = -1;
  while (pos < records.length) {
    if (records.length - pos < BatchLayout.HEADER_SIZE) {
      throw new StorageError('CORRUPT_MESSAGE', `record batch header truncated at byte ${pos} of ${records.length}`);
    }
    const view = new RecordBatchView(records, pos);
    const length = view.batchLength;
    if (length < MIN_BATCH_LENGTH || length > records.length - pos - BatchLayout.LOG_OVERHEAD) {
      throw new StorageError('CORRUPT_MESSAGE', `record batch at byte ${pos} declares length ${length}, ${records.length - pos - BatchLayout.LOG_OVERHEAD} bytes follow`);
    }
    const size = length + BatchLayout.LOG_OVERHEAD;
    if (origin !== 'replication' && size > cfg.maxMessageBytes) {
      throw new StorageError('MESSAGE_TOO_LARGE', `The record batch size ${size} bytes exceeds max.message.bytes ${cfg.maxMessageBytes}`);
    }
    // Each header field is read once here and handed on (this runs for every produced batch).
    const count = view.recordCount;
    const delta = view.lastOffsetDelta;
    const attributes = view.attributes;
    try {
      validateBatch(view, count, delta, attributes, checkCrc);
    } catch (err) {
      if (err instanceof ProtocolError) throw fromProtocolError(err, `record batch at byte ${pos}`);
      throw err;
    }
    const ts = view.maxTimestampNum;
    if (origin !== 'replication') checkClientBatch(view, origin, cfg, now, count, delta, attributes, ts);
    const base = view.baseOffsetNum;
    if (pos === 0) firstOffset = base;
    if (base <= prevLast) monotonic = false;
    prevLast = base + delta;
    offsetCount += delta + 1;
    recordCount += count;
    if (ts > maxTimestamp) maxTimestamp = ts;
    views.push(view);
    pos += size;
  }
  return {
    origin,
    views,
    offsetCount,
    recordCount,
    maxTimestamp,
    firstOffset,
    lastOffset: prevLast,
    monotonic,
  };
}

function checkClientBatch(
  view: RecordBatchView,
  origin: AppendOrigin,
  cfg: LogConfig,
  now: number,
  count: number,
  delta: number,
  attributes: number,
  maxTimestamp: number,
): void {
  if (count <= 0) throw new StorageError('INVALID_RECORD', `Invalid reported count for record batch: ${count}`);
  if (delta + 1 !== count) {
    throw new StorageError('INVALID_RECORD', `Inconsistent batch offset range (${delta + 1} offsets) and record count (${count})`);
  }
  const isControl = (attributes & ATTR_CONTROL) !== 0;
  if (isControl && origin === 'client') throw new StorageError('INVALID_RECORD', 'Clients are not allowed to write control records');
  const producerId = view.producerIdNum;
  if (producerId >= 0 && !isControl) {
    const baseSequence = view.baseSequence;
    if (baseSequence < 0) throw new StorageError('INVALID_RECORD', `Invalid sequence number ${baseSequence} in record batch with producerId ${producerId}`);
  }
  if ((attributes & ATTR_TRANSACTIONAL) !== 0 && producerId < 0) {
    throw new StorageError('INVALID_RECORD', 'Transactional record batch without a producer id');
  }
  if (cfg.messageTimestampType === 'CreateTime' && (attributes & ATTR_TIMESTAMP_TYPE) === 0) {
    // Batch-level form of Kafka's per-record check: the extremes of a batch bound its records.
    const max = maxTimestamp;
    if (max >= 0 && max - now > cfg.messageTimestampAfterMaxMs) {
      throw new StorageError('INVALID_TIMESTAMP', `Timestamp ${max} of a record is more than message.timestamp.after.max.ms ${cfg.messageTimestampAfterMaxMs} ahead of broker time ${now}`);
    }
    const first = view.baseTimestampNum;
    if (first >= 0 && now - first > cfg.messageTimestampBeforeMaxMs) {
      throw new StorageError('INVALID_TIMESTAMP', `Timestamp ${first} of a record is more than message.timestamp.before.max.ms ${cfg.messageTimestampBeforeMaxMs} behind broker time ${now}`);
    }
  }
}
