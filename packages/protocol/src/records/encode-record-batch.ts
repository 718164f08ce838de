import { compress, compressSync } from '../compression/codecs.js';
import { ProtocolError } from '../primitives/protocol-error.js';
import { Writer } from '../primitives/writer.js';
import {
  ATTR_COMPRESSION_MASK,
  ATTR_CONTROL,
  ATTR_DELETE_HORIZON,
  ATTR_TIMESTAMP_TYPE,
  ATTR_TRANSACTIONAL,
  BatchLayout,
  CompressionType,
  TimestampType,
} from './batch-header.js';
import { crc32c } from './crc32c.js';
import { type PreparedRecord, encodedRecordSize, prepareRecord, writeRecord } from './record.js';
import {
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
  type RecordBatchInput,
} from './record-batch-types.js';

/** Header fields resolved from the input, ready to be written. */
interface BatchHeader {
  baseOffset: bigint;
  partitionLeaderEpoch: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

interface PreparedBatch {
  header: BatchHeader;
  compression: CompressionType;
  records: PreparedRecord[];
  recordsSize: number;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function checkInt(name: string, v: number, bits: 16 | 32): number {
  const max = 2 ** (bits - 1);
  if (!Number.isInteger(v) || v < -max || v >= max) {
    throw new ProtocolError('INVALID_VALUE', `${name} ${v} does not fit in int${bits}`);
  }
  return v;
}

function checkInt64(name: string, v: bigint): bigint {
  if (typeof v !== 'bigint' || v < INT64_MIN || v > INT64_MAX) {
    throw new ProtocolError('INVALID_VALUE', `${name} ${String(v)} does not fit in int64`);
  }
  return v;
}

function resolveAttributes(input: RecordBatchInput): { attributes: number; compression: CompressionType } {
  let attrs = checkInt('attributes', input.attributes ?? 0, 16);
  const setBit = (bit: number, on: boolean | undefined) => {
    if (on !== undefined) attrs = on ? attrs | bit : attrs & ~bit;
  };
  if (input.compression !== undefined) attrs = (attrs & ~ATTR_COMPRESSION_MASK) | input.compression;
  setBit(ATTR_TIMESTAMP_TYPE, input.timestampType === undefined ? undefined : input.timestampType === TimestampType.LogAppendTime);
  setBit(ATTR_TRANSACTIONAL, input.isTransactional);
  setBit(ATTR_CONTROL, input.isControl);
  if (input.deleteHorizonMs !== undefined) setBit(ATTR_DELETE_HORIZON, true);
  const compression = (attrs & ATTR_COMPRESSION_MASK) as CompressionType;
  if (compression > CompressionType.Zstd || (input.compression !== undefined && input.compression !== compression)) {
    throw new ProtocolError('UNKNOWN_CODEC', `unknown compression codec id ${input.compression ?? compression}`);
  }
  return { attributes: attrs, compression };
}

/** Resolves defaults, deltas and sizes; everything before bytes are written. */
function prepareBatch(input: RecordBatchInput): PreparedBatch {
  const baseOffset = checkInt64('baseOffset', input.baseOffset ?? 0n);
  const { attributes, compression } = resolveAttributes(input);
  if (input.deleteHorizonMs !== undefined && input.baseTimestamp !== undefined && input.deleteHorizonMs !== input.baseTimestamp) {
    // With the delete-horizon bit set, the baseTimestamp field *is* the horizon.
    throw new ProtocolError('INVALID_VALUE', 'deleteHorizonMs and baseTimestamp differ; a batch stores the delete horizon as its baseTimestamp');
  }
  const firstAbsolute = input.records.find((r) => r.timestamp !== undefined)?.timestamp;
  const baseTimestamp = checkInt64(
    'baseTimestamp',
    input.baseTimestamp ?? input.deleteHorizonMs ?? firstAbsolute ?? BigInt(Date.now()),
  );

  const records: PreparedRecord[] = [];
  let recordsSize = 0;
  let maxTimestamp = NO_TIMESTAMP;
  let lastDelta = -1;
  input.records.forEach((r, i) => {
    const offsetDelta = r.offset !== undefined ? Number(r.offset - baseOffset) : (r.offsetDelta ?? i);
    if (offsetDelta <= lastDelta) {
      throw new ProtocolError('INVALID_VALUE', `record ${i} has offset delta ${offsetDelta}, not above the previous ${lastDelta}`);
    }
    lastDelta = offsetDelta;
    const timestampDelta = r.timestamp !== undefined ? r.timestamp - baseTimestamp : (r.timestampDelta ?? 0n);
    const timestamp = baseTimestamp + timestampDelta;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const prepared = prepareRecord({
      attributes: r.attributes ?? 0,
      offsetDelta,
      timestampDelta,
      key: r.key ?? null,
      value: r.value ?? null,
      headers: r.headers ?? [],
    });
    records.push(prepared);
    recordsSize += encodedRecordSize(prepared);
  });

  const lastOffsetDelta = checkInt('lastOffsetDelta', input.lastOffsetDelta ?? Math.max(lastDelta, 0), 32);
  if (lastOffsetDelta < lastDelta) {
    throw new ProtocolError('INVALID_VALUE', `lastOffsetDelta ${lastOffsetDelta} is below the last record's delta ${lastDelta}`);
  }
  return {
    compression,
    records,
    recordsSize,
    header: {
      baseOffset,
      partitionLeaderEpoch: checkInt('partitionLeaderEpoch', input.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, 32),
      attributes,
      lastOffsetDelta,
      baseTimestamp,
      maxTimestamp: checkInt64('maxTimestamp', input.maxTimestamp ?? maxTimestamp),
      producerId: checkInt64('producerId', input.producerId ?? NO_PRODUCER_ID),
      producerEpoch: checkInt('producerEpoch', input.producerEpoch ?? NO_PRODUCER_EPOCH, 16),
      baseSequence: checkInt('baseSequence', input.baseSequence ?? NO_SEQUENCE, 32),
      recordCount: records.length,
    },
  };
}

function writeRecords(w: Writer, records: PreparedRecord[]): void {
  for (const r of records) writeRecord(w, r);
}

/** Serialized records, uncompressed, in one exactly sized buffer. */
function recordsBytes(batch: PreparedBatch): Buffer {
  const w = new Writer(batch.recordsSize);
  writeRecords(w, batch.records);
  return w.finish();
}

/** Fills the 61-byte header of `buf` (records already in place after it) and stamps the CRC. */
function writeHeader(buf: Buffer, h: BatchHeader): Buffer {
  buf.writeBigInt64BE(h.baseOffset, BatchLayout.BASE_OFFSET);
  buf.writeInt32BE(buf.length - BatchLayout.LOG_OVERHEAD, BatchLayout.BATCH_LENGTH);
  buf.writeInt32BE(h.partitionLeaderEpoch, BatchLayout.PARTITION_LEADER_EPOCH);
  buf.writeInt8(2, BatchLayout.MAGIC);
  buf.writeInt16BE(h.attributes, BatchLayout.ATTRIBUTES);
  buf.writeInt32BE(h.lastOffsetDelta, BatchLayout.LAST_OFFSET_DELTA);
  buf.writeBigInt64BE(h.baseTimestamp, BatchLayout.BASE_TIMESTAMP);
  buf.writeBigInt64BE(h.maxTimestamp, BatchLayout.MAX_TIMESTAMP);
  buf.writeBigInt64BE(h.producerId, BatchLayout.PRODUCER_ID);
  buf.writeInt16BE(h.producerEpoch, BatchLayout.PRODUCER_EPOCH);
  buf.writeInt32BE(h.baseSequence, BatchLayout.BASE_SEQUENCE);
  buf.writeInt32BE(h.recordCount, BatchLayout.RECORDS_COUNT);
  buf.writeUInt32BE(crc32c(buf.subarray(BatchLayout.ATTRIBUTES)), BatchLayout.CRC);
  return buf;
}

function uncompressedBatch(batch: PreparedBatch): Buffer {
  const w = new Writer(BatchLayout.HEADER_SIZE + batch.recordsSize);
  w.reserve(BatchLayout.HEADER_SIZE);
  writeRecords(w, batch.records);
  return writeHeader(w.finish(), batch.header);
}

function compressedBatch(batch: PreparedBatch, payload: Buffer): Buffer {
  const buf = Buffer.allocUnsafe(BatchLayout.HEADER_SIZE + payload.length);
  payload.copy(buf, BatchLayout.HEADER_SIZE);
  return writeHeader(buf, batch.header);
}

/**
 * Encodes a magic-2 record batch: header, CRC-32C over attributes..end, records compressed with
 * the batch's codec. Async because zstd is; see encodeRecordBatchSync for the other codecs.
 */
export async function encodeRecordBatch(input: RecordBatchInput): Promise<Buffer> {
  const batch = prepareBatch(input);
  if (batch.compression === CompressionType.None) return uncompressedBatch(batch);
  return compressedBatch(batch, await compress(batch.compression, recordsBytes(batch)));
}

/** encodeRecordBatch for codecs that run synchronously (none, gzip, snappy, lz4). */
export function encodeRecordBatchSync(input: RecordBatchInput): Buffer {
  const batch = prepareBatch(input);
  if (batch.compression === CompressionType.None) return uncompressedBatch(batch);
  return compressedBatch(batch, compressSync(batch.compression, recordsBytes(batch)));
}
