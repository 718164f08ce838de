import { CompressionType, ProtocolError, RecordBatchView, TimestampType, decodeRecordBatch, encodeRecordBatch } from '@tributary/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBatchRecords } from './record-decoder.js';
import type { ConsumerRecord } from './types.js';

async function decode(batch: Buffer, from = 0n): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  await decodeBatchRecords(new RecordBatchView(batch, 0), from, out);
  return out;
}

const bytes = fc.option(fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)), { nil: null });
const recordArb = fc.record({
  key: bytes,
  value: bytes,
  headers: fc.array(fc.record({ key: fc.string({ maxLength: 8 }), value: bytes }), { maxLength: 3 }),
  // Deltas far beyond 32 bits and negative ones, which the number path must read exactly.
  timestampDelta: fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }),
});

describe('decodeBatchRecords', () => {
  it('agrees with the protocol decoder on arbitrary batches, for every codec', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordArb, { minLength: 1, maxLength: 20 }),
        fc.bigInt({ min: 0n, max: 2n ** 40n }),
        fc.constantFrom(CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd),
        async (records, baseOffset, compression) => {
          const batch = await encodeRecordBatch({ baseOffset, baseTimestamp: 1_700_000_000_000n, compression, records });
          const expected = await decodeRecordBatch(batch);
          const got = await decode(batch);
          expect(got.map((r) => r.offset)).toEqual(expected.records.map((r) => r.offset));
          expect(got.map((r) => r.timestamp)).toEqual(expected.records.map((r) => Number(r.timestamp)));
          expect(got.map((r) => [r.key, r.value])).toEqual(expected.records.map((r) => [r.key, r.value]));
          expect(got.map((r) => r.headers)).toEqual(expected.records.map((r) => r.headers));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('skips records below the position without decoding them into the output', async () => {
    const batch = await encodeRecordBatch({ baseOffset: 100n, records: [0, 1, 2, 3].map((i) => ({ value: Buffer.from([i]) })) });
    expect((await decode(batch, 102n)).map((r) => r.offset)).toEqual([102n, 103n]);
  });

  it('uses the batch time for LogAppendTime batches', async () => {
    const batch = await encodeRecordBatch({
      timestampType: TimestampType.LogAppendTime,
      baseTimestamp: 5n,
      maxTimestamp: 1_700_000_000_123n,
      records: [{ value: null, timestamp: 5n }],
    });
    expect((await decode(batch))[0]!.timestamp).toBe(1_700_000_000_123);
  });

  it('raises ProtocolError for a corrupt batch, never a RangeError', async () => {
    const batch = await encodeRecordBatch({ records: [{ value: Buffer.from('hello') }] });
    const corrupt = Buffer.from(batch);
    corrupt[corrupt.length - 3]! ^= 0xff;
    await expect(decode(corrupt)).rejects.toBeInstanceOf(ProtocolError);
  });
});
