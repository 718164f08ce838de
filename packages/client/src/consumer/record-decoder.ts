import {
  BatchLayout,
  CompressionType,
  MIN_RECORD_SIZE,
  ProtocolError,
  Reader,
  type RecordBatchView,
  type RecordHeader,
  TimestampType,
  decompress,
  decompressSync,
} from '@tributary/protocol';
import type { ConsumerRecord } from './types.js';

/** Smallest header: empty key and null value, one length byte each. */
const MIN_HEADER_SIZE = 2;
const NO_HEADERS: readonly RecordHeader[] = Object.freeze([]);

/**
 * The consumer's record decoder: the same wire format and checks as the protocol's
 * decodeRecordBatch (which validates the header and CRC the same way, through RecordBatchView),
 * but it builds the consumer's record objects directly, with numbers where the values allow:
 * per record one object, the offset bigint and the key/value views, instead of the general
 * decoder's intermediate objects and bigint deltas. Fetching is dominated by this loop, and by
 * the garbage it leaves.
 */
export function decodeBatchRecords(view: RecordBatchView, fromOffset: bigint, out: ConsumerRecord[]): void | Promise<void> {
  view.validate();
  const payload = view.buf.subarray(view.pos + BatchLayout.HEADER_SIZE, view.pos + view.sizeInBytes);
  const compression = view.compression;
  if (compression === CompressionType.None || (view.recordCount === 0 && payload.length === 0)) {
    readRecords(view, payload, fromOffset, out);
  } else if (compression === CompressionType.Zstd) {
    return decompress(compression, payload).then((records) => readRecords(view, records, fromOffset, out));
  } else {
    readRecords(view, decompressSync(compression, payload), fromOffset, out);
  }
}

function nullableBytes(r: Reader, what: string): Buffer | null {
  const n = r.varint();
  if (n === -1) return null;
  if (n < 0) throw new ProtocolError('INVALID_LENGTH', `${what} length ${n}`);
  return r.slice(n);
}

function readRecords(view: RecordBatchView, records: Buffer, fromOffset: bigint, out: ConsumerRecord[]): void {
  const r = new Reader(records);
  const count = r.checkCount(view.recordCount, MIN_RECORD_SIZE);
  const baseOffset = view.baseOffset;
  // Offsets below fromOffset (the start of a compressed batch fetched again) are skipped by their
  // delta, without a bigint per record.
  const skipBelow = fromOffset > baseOffset ? Number(fromOffset - baseOffset) : 0;
  const baseTimestamp = view.baseTimestampNum;
  const logAppendTime = view.timestampType === TimestampType.LogAppendTime ? view.maxTimestampNum : -1;
  for (let i = 0; i < count; i++) {
    const length = r.varint();
    if (length < 0 || length > r.remaining) throw new ProtocolError('INVALID_LENGTH', `record at byte ${r.offset} declares ${length} bytes, ${r.remaining} remain`);
    const end = r.offset + length;
    r.skip(1); // attributes: unused by Kafka
    const timestampDelta = r.varlongNumber();
    const offsetDelta = r.varint();
    const key = nullableBytes(r, 'record key');
    const value = nullableBytes(r, 'record value');
    const headerCount = r.varint();
    let headers: readonly RecordHeader[] = NO_HEADERS;
    if (headerCount !== 0) {
      if (headerCount < 0) throw new ProtocolError('INVALID_LENGTH', `record header count ${headerCount}`);
      r.checkCount(headerCount, MIN_HEADER_SIZE);
      const list = new Array<RecordHeader>(headerCount);
      for (let h = 0; h < headerCount; h++) {
        const keyLength = r.varint();
        if (keyLength < 0) throw new ProtocolError('INVALID_LENGTH', `record header key length ${keyLength}`);
        const headerKey = r.slice(keyLength).toString('utf8');
        list[h] = { key: headerKey, value: nullableBytes(r, 'record header value') };
      }
      headers = list;
    }
    if (r.offset !== end) throw new ProtocolError('INVALID_LENGTH', `record declares ${length} bytes but its fields use ${r.offset - end + length}`);
    if (offsetDelta < skipBelow) continue;
    out.push({
      offset: baseOffset + BigInt(offsetDelta),
      timestamp: logAppendTime >= 0 ? logAppendTime : baseTimestamp + timestampDelta,
      key,
      value,
      headers,
    });
  }
  if (r.remaining !== 0) throw new ProtocolError('TRAILING_BYTES', `${r.remaining} bytes after the ${count} records the batch declares`);
}
