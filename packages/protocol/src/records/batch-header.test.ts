import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../primitives/protocol-error.js';
import { BatchLayout, CompressionType, RecordBatchView, TimestampType, batchViews, readInt64Num, writeInt64Num } from './batch-header.js';
import { decodeRecordBatch } from './decode-record-batch.js';
import { encodeRecordBatch } from './encode-record-batch.js';
import { legacyMessage } from './testing/batch-bytes.test.helper.js';
import { kafkajsEncodeBatch } from './testing/kafkajs.test.helper.js';

/** A batch written by kafkajs, so the view is checked against an independent encoder. */
function kafkajsBatch(firstOffset: bigint, compression = CompressionType.None, n = 3): Promise<Buffer> {
  return kafkajsEncodeBatch({
    compression,
    firstOffset,
    firstTimestamp: 1_700_000_000_000,
    maxTimestamp: 1_700_000_000_000 + (n - 1) * 10,
    partitionLeaderEpoch: 0,
    transactional: false,
    producerId: 1000n,
    producerEpoch: 0,
    firstSequence: 5,
    lastOffsetDelta: n - 1,
    records: Array.from({ length: n }, (_, i) => ({ offsetDelta: i, timestampDelta: i * 10, key: null, value: Buffer.from(`value-${i}`), headers: {} })),
  });
}

describe('RecordBatchView patches', () => {
  it('setBaseOffset and setPartitionLeaderEpoch leave the CRC valid (neither field is covered)', async () => {
    const buf = await kafkajsBatch(0n, CompressionType.Gzip);
    const crcBefore = buf.readUInt32BE(BatchLayout.CRC);
    const v = new RecordBatchView(buf);
    v.setBaseOffset(9_000_000_000n);
    v.setPartitionLeaderEpoch(42);
    expect(v.baseOffset).toBe(9_000_000_000n);
    expect(v.partitionLeaderEpoch).toBe(42);
    expect(v.crc).toBe(crcBefore);
    expect(v.isCrcValid()).toBe(true);
    const d = await decodeRecordBatch(buf);
    expect(d.records.map((r) => r.offset)).toEqual([9_000_000_000n, 9_000_000_001n, 9_000_000_002n]);
    expect(d.partitionLeaderEpoch).toBe(42);
  });

  it('setBaseOffsetNum matches setBaseOffset for any safe offset', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (offset) => {
        const a = Buffer.alloc(BatchLayout.HEADER_SIZE);
        const b = Buffer.alloc(BatchLayout.HEADER_SIZE);
        new RecordBatchView(a).setBaseOffsetNum(offset);
        new RecordBatchView(b).setBaseOffset(BigInt(offset));
        expect(a.equals(b)).toBe(true);
        expect(new RecordBatchView(a).baseOffsetNum).toBe(offset);
      }),
    );
  });

  it('readInt64Num and writeInt64Num agree with bigint for negative and positive safe integers', () => {
    fc.assert(
      fc.property(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (v) => {
        const buf = Buffer.alloc(8);
        writeInt64Num(buf, v, 0);
        expect(buf.readBigInt64BE(0)).toBe(BigInt(v));
        expect(readInt64Num(buf, 0)).toBe(v);
      }),
    );
  });

  it('readInt64Num reads at any offset and refuses to read past either end', () => {
    const buf = Buffer.alloc(13);
    buf.writeBigInt64BE(-(2n ** 40n) - 7n, 5);
    expect(readInt64Num(buf, 5)).toBe(-(2 ** 40) - 7);
    expect(() => readInt64Num(buf, 6)).toThrow(RangeError);
    expect(() => readInt64Num(buf, -1)).toThrow(RangeError);
  });

  it('setLogAppendTime flips the timestamp type, sets maxTimestamp and recomputes the CRC', async () => {
    const buf = await kafkajsBatch(10n, CompressionType.None);
    const v = new RecordBatchView(buf);
    const crcBefore = v.crc;
    v.setLogAppendTime(1_800_000_000_000n);
    expect(v.timestampType).toBe(TimestampType.LogAppendTime);
    expect(v.maxTimestamp).toBe(1_800_000_000_000n);
    expect(v.baseTimestamp).toBe(1_700_000_000_000n);
    expect(v.crc).not.toBe(crcBefore);
    expect(v.isCrcValid()).toBe(true);
    expect(() => v.validate()).not.toThrow();
    const d = await decodeRecordBatch(buf);
    expect(d.records.map((r) => r.timestamp)).toEqual([1_800_000_000_000n, 1_800_000_000_000n, 1_800_000_000_000n]);
  });

  it('a patch to a CRC-covered field without recomputing is caught', async () => {
    const buf = await kafkajsBatch(0n);
    buf.writeInt16BE(7, BatchLayout.PRODUCER_EPOCH);
    expect(new RecordBatchView(buf).isCrcValid()).toBe(false);
    expect(() => new RecordBatchView(buf).validate()).toThrow(ProtocolError);
  });
});

describe('RecordBatchView derived fields', () => {
  it('reports lastSequence -1 without a producer sequence, and wraps at int32 max', async () => {
    const noSeq = new RecordBatchView(await encodeRecordBatch({ records: [{}, {}] }));
    expect(noSeq.baseSequence).toBe(-1);
    expect(noSeq.lastSequence).toBe(-1);
    const wrap = new RecordBatchView(await encodeRecordBatch({ baseSequence: 0x7fffffff, records: [{}, {}, {}] }));
    expect(wrap.lastSequence).toBe(1);
  });

  it('reports the delete-horizon and control bits', async () => {
    const v = new RecordBatchView(await encodeRecordBatch({ deleteHorizonMs: 5n, isControl: true, isTransactional: true, records: [] }));
    expect(v.hasDeleteHorizon).toBe(true);
    expect(v.isControl).toBe(true);
    expect(v.isTransactional).toBe(true);
    expect(v.baseTimestamp).toBe(5n);
  });
});

describe('batchViews', () => {
  it('walks consecutive batches, each view positioned on its own bytes', async () => {
    const parts = [await kafkajsBatch(0n), await kafkajsBatch(3n, CompressionType.Gzip, 5), await kafkajsBatch(8n, CompressionType.None, 1)];
    const buf = Buffer.concat(parts);
    const views = [...batchViews(buf)];
    expect(views.map((v) => [v.pos, v.baseOffset, v.recordCount])).toEqual([
      [0, 0n, 3],
      [parts[0]!.length, 3n, 5],
      [parts[0]!.length + parts[1]!.length, 8n, 1],
    ]);
    views.forEach((v, i) => {
      expect(v.bytes().equals(parts[i]!)).toBe(true);
      v.validate();
    });
    // Patching a view changes the shared buffer and only its batch.
    views[1]!.setBaseOffset(100n);
    expect(new RecordBatchView(buf, parts[0]!.length).baseOffset).toBe(100n);
    expect(views[2]!.baseOffset).toBe(8n);
  });

  it('yields nothing for an empty buffer', () => {
    expect([...batchViews(Buffer.alloc(0))]).toEqual([]);
  });

  it('stops before a partial tail when allowed and refuses it otherwise, wherever it is cut', async () => {
    const first = await kafkajsBatch(0n);
    const second = await kafkajsBatch(3n);
    for (let cut = 1; cut < second.length; cut++) {
      const buf = Buffer.concat([first, second.subarray(0, cut)]);
      const views = [...batchViews(buf, true)];
      expect(views).toHaveLength(1);
      expect(views[0]!.bytes().equals(first)).toBe(true);
      let kind: string | undefined;
      try {
        [...batchViews(buf)];
      } catch (err) {
        kind = (err as ProtocolError).kind;
      }
      expect(kind).toBe('TRUNCATED');
    }
  });

  it('refuses legacy message sets even in a Fetch-style walk', () => {
    expect(() => [...batchViews(legacyMessage(1), true)]).toThrow(/magic 1/);
  });
});
