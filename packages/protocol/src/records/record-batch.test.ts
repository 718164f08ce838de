import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../primitives/protocol-error.js';
import { BatchLayout, CompressionType, RecordBatchView, TimestampType } from './batch-header.js';
import { decodeRecordBatch, decodeRecordBatchSync } from './decode-record-batch.js';
import { decodeRecordBatches } from './decode-record-batches.js';
import { encodeRecordBatch, encodeRecordBatchSync } from './encode-record-batch.js';
import type { DecodedRecordBatch, RecordBatchInput } from './record-batch-types.js';
import { ALL_CODECS, batchInputArb } from './testing/arbitraries.test.helper.js';

const hex = (b: Buffer | null | undefined) => (b == null ? b : b.toString('hex'));

/**
 * What decoding must give back for an input, computed from the input alone (the arbitraries give
 * every record an explicit offsetDelta and timestampDelta).
 */
function expectedBatch(input: RecordBatchInput) {
  const baseTimestamp = input.deleteHorizonMs ?? input.baseTimestamp!;
  const stamps = input.records.map((r) => baseTimestamp + r.timestampDelta!);
  // As Kafka's MemoryRecordsBuilder: the running max starts at NO_TIMESTAMP (-1).
  const maxTimestamp = stamps.reduce((a, b) => (b > a ? b : a), -1n);
  const lastOffsetDelta = input.records.length ? input.records[input.records.length - 1]!.offsetDelta! : 0;
  const logAppend = input.timestampType === TimestampType.LogAppendTime;
  return {
    baseOffset: input.baseOffset,
    lastOffset: input.baseOffset! + BigInt(lastOffsetDelta),
    partitionLeaderEpoch: input.partitionLeaderEpoch,
    magic: 2,
    compression: input.compression,
    timestampType: input.timestampType,
    isTransactional: input.isTransactional,
    isControl: input.isControl,
    hasDeleteHorizon: input.deleteHorizonMs !== undefined,
    deleteHorizonMs: input.deleteHorizonMs ?? null,
    lastOffsetDelta,
    baseTimestamp,
    maxTimestamp,
    producerId: input.producerId,
    producerEpoch: input.producerEpoch,
    baseSequence: input.baseSequence,
    records: input.records.map((r, i) => ({
      attributes: r.attributes,
      offsetDelta: r.offsetDelta,
      offset: input.baseOffset! + BigInt(r.offsetDelta!),
      timestampDelta: r.timestampDelta,
      timestamp: logAppend ? maxTimestamp : stamps[i],
      key: hex(r.key),
      value: hex(r.value),
      headers: r.headers!.map((h) => ({ key: h.key, value: hex(h.value) })),
    })),
  };
}

function comparable(d: DecodedRecordBatch) {
  const { crc: _crc, attributes: _attributes, batchLength: _batchLength, sizeInBytes: _size, ...rest } = d;
  return {
    ...rest,
    records: d.records.map((r) => ({
      ...r,
      key: hex(r.key),
      value: hex(r.value),
      headers: r.headers.map((h) => ({ key: h.key, value: hex(h.value) })),
    })),
  };
}

describe('record batch round trip', () => {
  it('decodes what it encodes, for every codec and flag combination', async () => {
    await fc.assert(
      fc.asyncProperty(batchInputArb(), async (input) => {
        const buf = await encodeRecordBatch(input);
        const view = new RecordBatchView(buf);
        expect(view.sizeInBytes).toBe(buf.length);
        expect(view.isCrcValid()).toBe(true);
        const decoded = await decodeRecordBatch(buf);
        expect(comparable(decoded)).toEqual(expectedBatch(input));
        expect(decoded.sizeInBytes).toBe(buf.length);
        expect(decoded.crc).toBe(view.computeCrc());
      }),
      { numRuns: 300 },
    );
  });

  it('sync and async encoders write the same bytes, and both decoders agree', async () => {
    const syncCodecs = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4];
    await fc.assert(
      fc.asyncProperty(batchInputArb({ codecs: syncCodecs }), async (input) => {
        const a = await encodeRecordBatch(input);
        const s = encodeRecordBatchSync(input);
        expect(s.equals(a)).toBe(true);
        expect(comparable(decodeRecordBatchSync(s))).toEqual(comparable(await decodeRecordBatch(s)));
      }),
      { numRuns: 100 },
    );
  });

  it('handles large batches with every codec', async () => {
    const records = Array.from({ length: 2000 }, (_, i) => ({
      key: Buffer.from(`key-${i % 50}`),
      value: Buffer.from(`value ${i} `.repeat(20)),
      headers: [{ key: 'trace', value: Buffer.from(String(i)) }],
      timestamp: 1_700_000_000_000n + BigInt(i),
    }));
    for (const compression of ALL_CODECS) {
      const buf = await encodeRecordBatch({ compression, records });
      const d = await decodeRecordBatch(buf);
      expect(d.records).toHaveLength(2000);
      expect(d.records[1999]!.value!.toString()).toBe('value 1999 '.repeat(20));
      expect(d.records[1999]!.offset).toBe(1999n);
      expect(d.maxTimestamp).toBe(1_700_000_001_999n);
      if (compression !== CompressionType.None) expect(buf.length).toBeLessThan(2000 * 220);
    }
  });
});

describe('encodeRecordBatch defaults and resolution', () => {
  it('uses Kafka defaults for absent producer fields and offsets by index', async () => {
    const d = await decodeRecordBatch(
      await encodeRecordBatch({ records: [{ value: Buffer.from('a'), timestamp: 5n }, { value: Buffer.from('b'), timestamp: 9n }] }),
    );
    expect(d.baseOffset).toBe(0n);
    expect(d.producerId).toBe(-1n);
    expect(d.producerEpoch).toBe(-1);
    expect(d.baseSequence).toBe(-1);
    expect(d.partitionLeaderEpoch).toBe(-1);
    expect(d.compression).toBe(CompressionType.None);
    expect(d.timestampType).toBe(TimestampType.CreateTime);
    expect(d.baseTimestamp).toBe(5n);
    expect(d.maxTimestamp).toBe(9n);
    expect(d.lastOffsetDelta).toBe(1);
    expect(d.records.map((r) => [r.offsetDelta, r.timestampDelta, r.key])).toEqual([
      [0, 0n, null],
      [1, 4n, null],
    ]);
  });

  it('prefers absolute offsets and timestamps over deltas, so decoded records re-encode faithfully', async () => {
    const original = await decodeRecordBatch(
      await encodeRecordBatch({
        baseOffset: 100n,
        baseTimestamp: 1000n,
        records: [
          { value: Buffer.from('x'), offsetDelta: 0, timestampDelta: 5n },
          { value: Buffer.from('y'), offsetDelta: 3, timestampDelta: -2n },
        ],
      }),
    );
    // A compaction pass keeping only the second record, with a delete horizon moving baseTimestamp.
    const compacted = await decodeRecordBatch(
      await encodeRecordBatch({ baseOffset: 100n, deleteHorizonMs: 5000n, lastOffsetDelta: original.lastOffsetDelta, records: [original.records[1]!] }),
    );
    expect(compacted.records[0]!.offset).toBe(103n);
    expect(compacted.records[0]!.timestamp).toBe(998n);
    expect(compacted.records[0]!.timestampDelta).toBe(998n - 5000n);
    expect(compacted.hasDeleteHorizon).toBe(true);
    expect(compacted.deleteHorizonMs).toBe(5000n);
    expect(compacted.lastOffset).toBe(103n);
  });

  it('keeps an explicit lastOffsetDelta beyond the last record (records removed from the end)', async () => {
    const buf = await encodeRecordBatch({ baseOffset: 10n, lastOffsetDelta: 7, records: [{ offsetDelta: 2, timestamp: 1n }] });
    const d = await decodeRecordBatch(buf);
    expect(d.lastOffset).toBe(17n);
    expect(d.records[0]!.offset).toBe(12n);
  });

  it('encodes an empty batch (kept by compaction for producer state)', async () => {
    const d = await decodeRecordBatch(
      await encodeRecordBatch({ baseOffset: 40n, lastOffsetDelta: 4, producerId: 9n, producerEpoch: 2, baseSequence: 17, baseTimestamp: 3n, records: [] }),
    );
    expect(d.records).toEqual([]);
    expect(d.maxTimestamp).toBe(-1n);
    expect(d.lastOffset).toBe(44n);
    expect(d.producerId).toBe(9n);
    expect(d.baseSequence).toBe(17);
  });

  it('gives every record the batch max timestamp under LogAppendTime', async () => {
    const d = await decodeRecordBatch(
      await encodeRecordBatch({
        timestampType: TimestampType.LogAppendTime,
        maxTimestamp: 777n,
        records: [{ timestamp: 1n }, { timestamp: 2n }],
      }),
    );
    expect(d.timestampType).toBe(TimestampType.LogAppendTime);
    expect(d.records.map((r) => [r.timestampDelta, r.timestamp])).toEqual([
      [0n, 777n],
      [1n, 777n],
    ]);
  });

  it('lets the named flags override raw attributes', async () => {
    const buf = await encodeRecordBatch({ attributes: 0x7f & ~0x07, compression: CompressionType.Gzip, isControl: false, records: [] });
    const view = new RecordBatchView(buf);
    expect(view.compression).toBe(CompressionType.Gzip);
    expect(view.isControl).toBe(false);
    expect(view.isTransactional).toBe(true);
    expect(view.timestampType).toBe(TimestampType.LogAppendTime);
    expect(view.hasDeleteHorizon).toBe(true);
  });

  it('writes the 61-byte header at the documented offsets', async () => {
    const buf = await encodeRecordBatch({
      baseOffset: 0x0102030405060708n,
      partitionLeaderEpoch: 0x0a0b0c0d,
      isTransactional: true,
      producerId: 0x1112131415161718n,
      producerEpoch: 0x2122,
      baseSequence: 0x31323334,
      baseTimestamp: 0x4142434445464748n,
      records: [{ key: null, value: null }],
    });
    expect(buf.subarray(0, 8).toString('hex')).toBe('0102030405060708');
    expect(buf.readInt32BE(8)).toBe(buf.length - 12);
    expect(buf.subarray(12, 16).toString('hex')).toBe('0a0b0c0d');
    expect(buf[16]).toBe(2);
    expect(buf.readInt16BE(21)).toBe(0x10);
    expect(buf.subarray(27, 35).toString('hex')).toBe('4142434445464748');
    expect(buf.subarray(43, 51).toString('hex')).toBe('1112131415161718');
    expect(buf.subarray(51, 53).toString('hex')).toBe('2122');
    expect(buf.subarray(53, 57).toString('hex')).toBe('31323334');
    expect(buf.readInt32BE(57)).toBe(1);
    // The record: body length 6 (zigzag 0x0c), attributes, tsDelta 0, offsetDelta 0, null key (-1 =
    // zigzag 0x01), null value, 0 headers.
    expect(buf.subarray(BatchLayout.HEADER_SIZE).toString('hex')).toBe('0c000000010100');
  });
});

describe('encodeRecordBatch input checks', () => {
  const cases: [string, RecordBatchInput, string][] = [
    ['offsets not increasing', { records: [{ offsetDelta: 2 }, { offsetDelta: 2 }] }, 'INVALID_VALUE'],
    ['negative offset delta', { baseOffset: 5n, records: [{ offset: 4n }] }, 'INVALID_VALUE'],
    ['offset delta beyond int32', { records: [{ offsetDelta: 2 ** 31 }] }, 'INVALID_VALUE'],
    ['lastOffsetDelta below the last record', { lastOffsetDelta: 0, records: [{ offsetDelta: 3 }] }, 'INVALID_VALUE'],
    ['producerEpoch beyond int16', { producerEpoch: 40000, records: [] }, 'INVALID_VALUE'],
    ['partitionLeaderEpoch beyond int32', { partitionLeaderEpoch: 2 ** 31, records: [] }, 'INVALID_VALUE'],
    ['producerId beyond int64', { producerId: 2n ** 63n, records: [] }, 'INVALID_VALUE'],
    ['timestamp delta beyond int64', { baseTimestamp: -(2n ** 63n), records: [{ timestamp: 2n ** 63n - 1n }] }, 'INVALID_VALUE'],
    ['record attributes beyond int8', { records: [{ attributes: 300 }] }, 'INVALID_VALUE'],
    ['unknown codec', { compression: 5 as CompressionType, records: [] }, 'UNKNOWN_CODEC'],
    ['codec id past 3 bits', { compression: 9 as CompressionType, records: [] }, 'UNKNOWN_CODEC'],
    ['delete horizon and baseTimestamp disagree', { deleteHorizonMs: 1n, baseTimestamp: 2n, records: [] }, 'INVALID_VALUE'],
  ];
  for (const [name, input, kind] of cases) {
    it(`refuses ${name}`, async () => {
      await expect(encodeRecordBatch(input)).rejects.toMatchObject({ name: 'ProtocolError', kind });
    });
  }

  it('refuses zstd in the sync encoder and decoder, pointing at the async ones', async () => {
    expect(() => encodeRecordBatchSync({ compression: CompressionType.Zstd, records: [] })).toThrow(ProtocolError);
    const zstd = await encodeRecordBatch({ compression: CompressionType.Zstd, records: [{ value: Buffer.from('v') }] });
    expect(() => decodeRecordBatchSync(zstd)).toThrow(/async/);
  });
});

describe('decodeRecordBatches', () => {
  it('decodes consecutive batches of mixed codecs and skips a partial tail only when allowed', async () => {
    const batches = await Promise.all(
      ALL_CODECS.map((compression, i) =>
        encodeRecordBatch({ compression, baseOffset: BigInt(i * 10), records: [{ value: Buffer.from(`v${i}`), timestamp: 1n }] }),
      ),
    );
    const whole = Buffer.concat(batches);
    const all = await decodeRecordBatches(whole);
    expect(all.map((b) => [b.compression, b.records[0]!.offset, b.records[0]!.value!.toString()])).toEqual(
      ALL_CODECS.map((c, i) => [c, BigInt(i * 10), `v${i}`]),
    );
    for (const cut of [1, 11, 30, 61, batches[4]!.length - 1]) {
      const partial = whole.subarray(0, whole.length - cut);
      expect((await decodeRecordBatches(partial, { allowPartialTail: true })).length).toBe(4);
      await expect(decodeRecordBatches(partial)).rejects.toMatchObject({ kind: 'TRUNCATED' });
    }
  });
});
