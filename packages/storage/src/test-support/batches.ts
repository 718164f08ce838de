import { BatchLayout, crc32c, writeInt64Num, Writer } from '@tributary/protocol';

/**
 * A minimal magic-2 record batch encoder (uncompressed only) for the storage package's tests and the
 * benchmark fixtures: the store never encodes records itself, so tests need a way to make valid
 * batches without depending on the full codec.
 */
export interface TestRecord {
  key?: Buffer | null;
  value: Buffer | null;
  /** Absolute timestamp; default: the batch's baseTimestamp. */
  timestamp?: number;
  /** Offset delta; default: the record's index (set explicitly to model compacted batches with gaps). */
  offsetDelta?: number;
}

export interface TestBatchOptions {
  baseOffset?: number;
  baseTimestamp?: number;
  partitionLeaderEpoch?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  logAppendTime?: boolean;
  /** Overrides lastOffsetDelta (default: the last record's offset delta). */
  lastOffsetDelta?: number;
}

export function encodeTestBatch(records: TestRecord[], opts: TestBatchOptions = {}): Buffer {
  const baseTs = opts.baseTimestamp ?? records[0]?.timestamp ?? 0;
  const w = new Writer(128 + records.reduce((n, r) => n + (r.value?.length ?? 0) + (r.key?.length ?? 0) + 16, 0));
  w.reserve(BatchLayout.HEADER_SIZE);
  let maxTs = baseTs;
  let lastDelta = 0;
  records.forEach((r, i) => {
    const ts = r.timestamp ?? baseTs;
    if (ts > maxTs) maxTs = ts;
    const delta = r.offsetDelta ?? i;
    lastDelta = delta;
    const body = new Writer(32 + (r.value?.length ?? 0) + (r.key?.length ?? 0));
    body.int8(0);
    body.varlong(BigInt(ts - baseTs));
    body.varint(delta);
    if (r.key == null) body.varint(-1);
    else body.varint(r.key.length).raw(r.key);
    if (r.value == null) body.varint(-1);
    else body.varint(r.value.length).raw(r.value);
    body.varint(0);
    const bytes = body.finish();
    w.varint(bytes.length).raw(bytes);
  });
  const buf = Buffer.from(w.finish());
  const attrs = (opts.transactional ? 0x10 : 0) | (opts.control ? 0x20 : 0) | (opts.logAppendTime ? 0x08 : 0);
  writeInt64Num(buf, opts.baseOffset ?? 0, BatchLayout.BASE_OFFSET);
  buf.writeInt32BE(buf.length - BatchLayout.LOG_OVERHEAD, BatchLayout.BATCH_LENGTH);
  buf.writeInt32BE(opts.partitionLeaderEpoch ?? -1, BatchLayout.PARTITION_LEADER_EPOCH);
  buf.writeInt8(2, BatchLayout.MAGIC);
  buf.writeInt16BE(attrs, BatchLayout.ATTRIBUTES);
  buf.writeInt32BE(opts.lastOffsetDelta ?? lastDelta, BatchLayout.LAST_OFFSET_DELTA);
  writeInt64Num(buf, baseTs, BatchLayout.BASE_TIMESTAMP);
  writeInt64Num(buf, maxTs, BatchLayout.MAX_TIMESTAMP);
  writeInt64Num(buf, opts.producerId ?? -1, BatchLayout.PRODUCER_ID);
  buf.writeInt16BE(opts.producerEpoch ?? -1, BatchLayout.PRODUCER_EPOCH);
  buf.writeInt32BE(opts.baseSequence ?? -1, BatchLayout.BASE_SEQUENCE);
  buf.writeInt32BE(records.length, BatchLayout.RECORDS_COUNT);
  buf.writeUInt32BE(crc32c(buf.subarray(BatchLayout.ATTRIBUTES)), BatchLayout.CRC);
  return buf;
}

/** n records of `valueSize` bytes each (value = index-stamped filler), timestamps baseTimestamp + i. */
export function makeBatch(n: number, opts: TestBatchOptions & { valueSize?: number; tag?: number } = {}): Buffer {
  const size = opts.valueSize ?? 10;
  const records: TestRecord[] = [];
  const baseTs = opts.baseTimestamp ?? 1_000;
  for (let i = 0; i < n; i++) {
    const value = Buffer.alloc(size, (i + (opts.tag ?? 0)) & 0xff);
    if (size >= 4) value.writeUInt32BE(((opts.tag ?? 0) * 100003 + i) >>> 0, 0);
    records.push({ key: null, value, timestamp: baseTs + i });
  }
  return encodeTestBatch(records, { ...opts, baseTimestamp: baseTs });
}
