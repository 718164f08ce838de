/** Byte-level surgery on encoded batches, for hostile-input and fuzz tests. */
import { Writer } from '../../primitives/writer.js';
import { BatchLayout } from '../batch-header.js';
import { crc32c } from '../crc32c.js';

/** Restamps batchLength from the buffer's size (optional) and the CRC, so the decoder gets past both. */
export function fixBatch(buf: Buffer, opts: { length?: boolean } = {}): Buffer {
  if (buf.length < BatchLayout.HEADER_SIZE) return buf;
  if (opts.length !== false) buf.writeInt32BE(buf.length - BatchLayout.LOG_OVERHEAD, BatchLayout.BATCH_LENGTH);
  buf.writeUInt32BE(crc32c(buf.subarray(BatchLayout.ATTRIBUTES)), BatchLayout.CRC);
  return buf;
}

/**
 * A well-formed magic-2 header (length and CRC correct) around an arbitrary records section and
 * declared count: how a hostile producer would wrap malformed records.
 */
export function batchAround(section: Buffer, count: number, attributes = 0): Buffer {
  const buf = Buffer.alloc(BatchLayout.HEADER_SIZE + section.length);
  buf.writeInt8(2, BatchLayout.MAGIC);
  buf.writeInt16BE(attributes, BatchLayout.ATTRIBUTES);
  buf.writeInt32BE(Math.max(count - 1, 0), BatchLayout.LAST_OFFSET_DELTA);
  buf.writeBigInt64BE(-1n, BatchLayout.PRODUCER_ID);
  buf.writeInt16BE(-1, BatchLayout.PRODUCER_EPOCH);
  buf.writeInt32BE(-1, BatchLayout.BASE_SEQUENCE);
  buf.writeInt32BE(count, BatchLayout.RECORDS_COUNT);
  section.copy(buf, BatchLayout.HEADER_SIZE);
  return fixBatch(buf);
}

/** Writes a record field by field, with a chosen (possibly wrong) length prefix. */
export function rawRecord(fields: (w: Writer) => void, length?: number): Buffer {
  const body = new Writer();
  fields(body);
  const bytes = body.finish();
  return Buffer.from(new Writer().varint(length ?? bytes.length).raw(bytes).finish());
}

/** A legacy (magic 0 or 1) message set entry: offset, size, crc, magic, attributes, [timestamp], key, value. */
export function legacyMessage(magic: 0 | 1): Buffer {
  const body = new Writer().int8(magic).int8(0);
  if (magic === 1) body.int64(1_700_000_000_000n);
  body.nullableBytes(null).nullableBytes(Buffer.from('legacy'));
  const message = body.finish();
  return Buffer.from(new Writer().int64(0n).int32(message.length + 4).uint32(0).raw(message).finish());
}
