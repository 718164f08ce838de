import { decompress, decompressSync } from '../compression/codecs.js';
import type { DecompressOptions } from '../compression/limits.js';
import { ProtocolError } from '../primitives/protocol-error.js';
import { Reader } from '../primitives/reader.js';
import { BatchLayout, CompressionType, RecordBatchView, TimestampType } from './batch-header.js';
import { type DecodedRecord, MIN_RECORD_SIZE, readRecord } from './record.js';
import type { DecodedRecordBatch } from './record-batch-types.js';

export type DecodeRecordBatchOptions = DecompressOptions;

/**
 * Checks that `input` holds one whole magic-2 batch with a sound header and CRC, and returns a view
 * of it. A Buffer must hold exactly one batch; a view may sit inside a larger buffer (as batchViews
 * yields them). Legacy message sets (magic 0/1) keep their magic byte at the same offset, so
 * validate() recognises and refuses them (LEGACY_MESSAGE_FORMAT) before reading anything else.
 */
function checkedView(input: Buffer | RecordBatchView): RecordBatchView {
  const view = input instanceof RecordBatchView ? input : new RecordBatchView(input, 0);
  if (!Number.isSafeInteger(view.pos)) throw new ProtocolError('INVALID_VALUE', `record batch view at position ${view.pos}`);
  view.validate();
  const extra = view.buf.length - view.sizeInBytes;
  if (!(input instanceof RecordBatchView) && extra > 0) {
    throw new ProtocolError('TRAILING_BYTES', `${extra} bytes after the record batch`);
  }
  return view;
}

function recordsPayload(view: RecordBatchView): Buffer {
  return view.buf.subarray(view.pos + BatchLayout.HEADER_SIZE, view.pos + view.sizeInBytes);
}

/** Decodes `count` records from the (uncompressed) records section; nothing may be left over. */
function readRecords(view: RecordBatchView, records: Buffer): DecodedRecord[] {
  const r = new Reader(records);
  const count = r.checkCount(view.recordCount, MIN_RECORD_SIZE);
  const timestampType = view.timestampType;
  const ctx = {
    baseOffset: view.baseOffset,
    baseTimestamp: view.baseTimestamp,
    logAppendTime: timestampType === TimestampType.LogAppendTime ? view.maxTimestamp : null,
  };
  const out: DecodedRecord[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = readRecord(r, ctx);
  if (r.remaining !== 0) {
    throw new ProtocolError('TRAILING_BYTES', `${r.remaining} bytes after the ${count} records the batch declares`);
  }
  return out;
}

function batchOf(view: RecordBatchView, records: DecodedRecord[]): DecodedRecordBatch {
  const hasDeleteHorizon = view.hasDeleteHorizon;
  const baseTimestamp = view.baseTimestamp;
  return {
    baseOffset: view.baseOffset,
    lastOffset: view.lastOffset,
    batchLength: view.batchLength,
    sizeInBytes: view.sizeInBytes,
    partitionLeaderEpoch: view.partitionLeaderEpoch,
    magic: view.magic,
    crc: view.crc,
    attributes: view.attributes,
    compression: view.compression,
    timestampType: view.timestampType,
    isTransactional: view.isTransactional,
    isControl: view.isControl,
    hasDeleteHorizon,
    deleteHorizonMs: hasDeleteHorizon ? baseTimestamp : null,
    lastOffsetDelta: view.lastOffsetDelta,
    baseTimestamp,
    maxTimestamp: view.maxTimestamp,
    producerId: view.producerId,
    producerEpoch: view.producerEpoch,
    baseSequence: view.baseSequence,
    records,
  };
}

/**
 * A compressed batch that declares no records and carries no payload needs no decompressing
 * (an empty payload is not a valid stream in any codec).
 */
function isEmptyPayload(view: RecordBatchView, payload: Buffer): boolean {
  return view.recordCount === 0 && payload.length === 0;
}

/**
 * Fully decodes one magic-2 record batch: header, CRC-32C, decompression (bounded by
 * maxDecompressedBytes) and every record. Every malformed input raises ProtocolError. Keys,
 * values and header values are views into the input (uncompressed batches) or into the
 * decompressed buffer; copy them to keep them beyond the input's lifetime.
 */
export async function decodeRecordBatch(
  input: Buffer | RecordBatchView,
  options?: DecodeRecordBatchOptions,
): Promise<DecodedRecordBatch> {
  const view = checkedView(input);
  const payload = recordsPayload(view);
  if (view.compression === CompressionType.None || isEmptyPayload(view, payload)) {
    return batchOf(view, readRecords(view, payload));
  }
  return batchOf(view, readRecords(view, await decompress(view.compression, payload, options)));
}

/**
 * decodeRecordBatch for batches whose codec runs synchronously (none, gzip, snappy, lz4); a zstd
 * batch raises ProtocolError('INVALID_VALUE').
 */
export function decodeRecordBatchSync(input: Buffer | RecordBatchView, options?: DecodeRecordBatchOptions): DecodedRecordBatch {
  const view = checkedView(input);
  const payload = recordsPayload(view);
  if (view.compression === CompressionType.None || isEmptyPayload(view, payload)) {
    return batchOf(view, readRecords(view, payload));
  }
  return batchOf(view, readRecords(view, decompressSync(view.compression, payload, options)));
}
