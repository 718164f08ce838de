/** fast-check generators for record batches, shared by the round-trip, interop and fuzz tests. */
import fc from 'fast-check';
import { CompressionType, TimestampType } from '../batch-header.js';
import type { RecordHeader } from '../record.js';
import type { RecordBatchInput, RecordInput } from '../record-batch-types.js';

export const ALL_CODECS = [
  CompressionType.None,
  CompressionType.Gzip,
  CompressionType.Snappy,
  CompressionType.Lz4,
  CompressionType.Zstd,
] as const;

const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));
export const nullableBytes = (maxLength: number) => fc.option(bytes(maxLength), { nil: null, freq: 4 });

export const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
export const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
export const int16 = fc.integer({ min: -(2 ** 15), max: 2 ** 15 - 1 });
/** Millisecond timestamps around now, and the odd extreme. */
export const timestamp = fc.oneof(
  fc.bigInt({ min: 1_500_000_000_000n, max: 2_000_000_000_000n }),
  fc.bigInt({ min: -1n, max: 10n }),
);

export const header: fc.Arbitrary<RecordHeader> = fc.record({
  key: fc.string({ maxLength: 12, unit: 'grapheme' }),
  value: nullableBytes(16),
});

/** Records with increasing (possibly gapped, as after compaction) offset deltas. */
export function recordsArb(opts: { maxRecords: number; maxValue: number }): fc.Arbitrary<RecordInput[]> {
  return fc
    .array(
      fc.record({
        gap: fc.nat({ max: 3 }),
        timestampDelta: fc.bigInt({ min: -100_000n, max: 100_000n }),
        key: nullableBytes(24),
        value: nullableBytes(opts.maxValue),
        headers: fc.array(header, { maxLength: 3 }),
        attributes: fc.constantFrom(0, 0, 0, 1, -1),
      }),
      { maxLength: opts.maxRecords },
    )
    .map((rs) => {
      let offsetDelta = -1;
      return rs.map(({ gap, ...r }) => {
        offsetDelta += 1 + gap;
        return { ...r, offsetDelta };
      });
    });
}

/** Any batch our encoder accepts: every codec and flag combination. */
export function batchInputArb(opts: { codecs?: readonly CompressionType[]; maxRecords?: number; maxValue?: number } = {}) {
  return fc.record({
    baseOffset: fc.bigInt({ min: 0n, max: 2n ** 62n }),
    partitionLeaderEpoch: int32,
    compression: fc.constantFrom(...(opts.codecs ?? ALL_CODECS)),
    timestampType: fc.constantFrom(TimestampType.CreateTime, TimestampType.LogAppendTime),
    isTransactional: fc.boolean(),
    isControl: fc.boolean(),
    deleteHorizonMs: fc.option(timestamp, { nil: undefined }),
    producerId: fc.oneof(fc.constant(-1n), fc.bigInt({ min: 0n, max: 2n ** 63n - 1n })),
    producerEpoch: int16,
    baseSequence: fc.oneof(fc.constant(-1), fc.nat()),
    baseTimestamp: timestamp,
    records: recordsArb({ maxRecords: opts.maxRecords ?? 8, maxValue: opts.maxValue ?? 64 }),
  }).map(
    // With a delete horizon the batch's baseTimestamp is the horizon, so the two are not both given.
    ({ baseTimestamp, ...rest }): RecordBatchInput => (rest.deleteHorizonMs === undefined ? { ...rest, baseTimestamp } : rest),
  );
}
