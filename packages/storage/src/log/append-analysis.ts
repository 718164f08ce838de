import { BatchLayout, CompressionType, ProtocolError, RecordBatchView, TimestampType } from '@tributary/protocol';
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

/** RecordBatchView.validate() without the CRC, for appends whose CRCs are checked later by checkCrcs. */
function validateHeader(view: RecordBatchView): void {
  const magic = view.magic;
  if (magic !== 2) {
    throw magic === 0 || magic === 1
      ? new ProtocolError('LEGACY_MESSAGE_FORMAT', `message format v${magic} (magic ${magic}) is not supported; use record batch v2`)
      : new ProtocolError('UNSUPPORTED_VERSION', `unknown record batch magic ${magic}`);
  }
  if (view.lastOffsetDelta < 0 || view.recordCount < 0) {
    throw new ProtocolError('INVALID_VALUE', `record batch has lastOffsetDelta ${view.lastOffsetDelta}, count ${view.recordCount}`);
  }
  if (view.compression > CompressionType.Zstd) throw new ProtocolError('UNKNOWN_CODEC', `unknown compression codec id ${view.compression}`);
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
  while (pos < records.length) {
    if (records.length - pos < BatchLayout.HEADER_SIZE) {
      throw new StorageError('CORRUPT_MESSAGE', `record batch header truncated at byte ${pos} of ${records.length}`);
    }
    const view = new RecordBatchView(records, pos);
    const length = view.batchLength;
    if (length < MIN_BATCH_LENGTH || length > records.length - pos - BatchLayout.LOG_OVERHEAD) {
      throw new StorageError('CORRUPT_MESSAGE', `record batch at byte ${pos} declares length ${length}, ${records.length - pos - BatchLayout.LOG_OVERHEAD} bytes follow`);
    }
    const size = view.sizeInBytes;
    if (origin !== 'replication' && size > cfg.maxMessageBytes) {
      throw new StorageError('MESSAGE_TOO_LARGE', `The record batch size ${size} bytes exceeds max.message.bytes ${cfg.maxMessageBytes}`);
    }
    try {
      if (checkCrc) view.validate();
      else validateHeader(view);
    } catch (err) {
      if (err instanceof ProtocolError) throw fromProtocolError(err, `record batch at byte ${pos}`);
      throw err;
    }
    const count = view.recordCount;
    const delta = view.lastOffsetDelta;
    if (origin !== 'replication') checkClientBatch(view, origin, cfg, now, count, delta);
    const base = view.baseOffsetNum;
    if (base <= prevLast) monotonic = false;
    prevLast = base + delta;
    offsetCount += delta + 1;
    recordCount += count;
    const ts = view.maxTimestampNum;
    if (ts > maxTimestamp) maxTimestamp = ts;
    views.push(view);
    pos += size;
  }
  return {
    views,
    offsetCount,
    recordCount,
    maxTimestamp,
    firstOffset: views.length > 0 ? views[0]!.baseOffsetNum : -1,
    lastOffset: prevLast,
    monotonic,
  };
}

function checkClientBatch(view: RecordBatchView, origin: AppendOrigin, cfg: LogConfig, now: number, count: number, delta: number): void {
  if (count <= 0) throw new StorageError('INVALID_RECORD', `Invalid reported count for record batch: ${count}`);
  if (delta + 1 !== count) {
    throw new StorageError('INVALID_RECORD', `Inconsistent batch offset range (${delta + 1} offsets) and record count (${count})`);
  }
  if (view.isControl && origin === 'client') throw new StorageError('INVALID_RECORD', 'Clients are not allowed to write control records');
  if (view.producerIdNum >= 0 && view.baseSequence < 0 && !view.isControl) {
    throw new StorageError('INVALID_RECORD', `Invalid sequence number ${view.baseSequence} in record batch with producerId ${view.producerIdNum}`);
  }
  if (view.isTransactional && view.producerIdNum < 0) {
    throw new StorageError('INVALID_RECORD', 'Transactional record batch without a producer id');
  }
  if (cfg.messageTimestampType === 'CreateTime' && view.timestampType === TimestampType.CreateTime) {
    // Batch-level form of Kafka's per-record check: the extremes of a batch bound its records.
    const max = view.maxTimestampNum;
    const first = view.baseTimestampNum;
    if (max >= 0 && max - now > cfg.messageTimestampAfterMaxMs) {
      throw new StorageError('INVALID_TIMESTAMP', `Timestamp ${max} of a record is more than message.timestamp.after.max.ms ${cfg.messageTimestampAfterMaxMs} ahead of broker time ${now}`);
    }
    if (first >= 0 && now - first > cfg.messageTimestampBeforeMaxMs) {
      throw new StorageError('INVALID_TIMESTAMP', `Timestamp ${first} of a record is more than message.timestamp.before.max.ms ${cfg.messageTimestampBeforeMaxMs} behind broker time ${now}`);
    }
  }
}
