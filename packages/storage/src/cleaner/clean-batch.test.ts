import {
  CompressionType,
  RecordBatchView,
  TimestampType,
  decodeRecordBatch,
  encodeRecordBatch,
  endTxnMarkerBatch,
  type RecordInput,
} from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import type { LastRecord } from '../producer-state/producer-state-manager.js';
import { cleanBatch, type CleanBatchContext } from './clean-batch.js';
import { CleanedTransactionMetadata, type AbortedTxn } from './cleaned-transaction-metadata.js';
import { CleanerStats } from './cleaner-stats.js';
import { OffsetMap } from './offset-map.js';

const k = (s: string) => Buffer.from(s);

function ctx(over: Partial<CleanBatchContext> & { mapped?: [string, number][]; latest?: number; aborted?: AbortedTxn[] } = {}): CleanBatchContext {
  const map = new OffsetMap(1000);
  for (const [key, offset] of over.mapped ?? []) map.put(k(key), offset);
  map.updateLatestOffset(over.latest ?? 1000);
  return {
    map,
    nowMs: 10_000,
    deleteRetentionMs: 500,
    txn: new CleanedTransactionMetadata(over.aborted ?? []),
    lastRecords: new Map<number, LastRecord>(),
    upperBoundOffset: 100_000,
    stats: new CleanerStats(),
    ...over,
  };
}

async function batch(records: RecordInput[], opts: Partial<Parameters<typeof encodeRecordBatch>[0]> = {}): Promise<RecordBatchView> {
  return new RecordBatchView(await encodeRecordBatch({ baseOffset: 10n, baseTimestamp: 1_000n, records, ...opts }));
}

const rec = (key: string | null, value: string | null, offset: number, ts = 1_000): RecordInput => ({
  key: key === null ? null : k(key),
  value: value === null ? null : k(value),
  offset: BigInt(offset),
  timestamp: BigInt(ts),
});

async function decode(buf: Buffer | undefined) {
  expect(buf).toBeDefined();
  return decodeRecordBatch(buf!);
}

describe('cleanBatch', () => {
  it('keeps only the latest record of each key, with original offsets, timestamps and producer fields', async () => {
    const v = await batch([rec('a', '1', 10, 1_001), rec('b', '1', 11, 1_002), rec('a', '2', 12, 1_003), rec('c', '1', 15, 1_004)], {
      producerId: 7n,
      producerEpoch: 3,
      baseSequence: 40,
      partitionLeaderEpoch: 5,
      lastOffsetDelta: 6,
    });
    const c = ctx({ mapped: [['a', 12], ['b', 20], ['c', 15]] });
    const out = await decode(await cleanBatch(v, c));
    expect(out.records.map((r) => [r.key!.toString(), Number(r.offset), Number(r.timestamp)])).toEqual([
      ['a', 12, 1_003],
      ['c', 15, 1_004],
    ]);
    expect(out.baseOffset).toBe(10n);
    expect(out.lastOffsetDelta).toBe(6);
    expect(out.producerId).toBe(7n);
    expect(out.producerEpoch).toBe(3);
    expect(out.baseSequence).toBe(40);
    expect(out.partitionLeaderEpoch).toBe(5);
    expect(out.hasDeleteHorizon).toBe(false);
    expect(c.stats.recordsRetained).toBe(2);
  });

  it('returns the original bytes when every record survives', async () => {
    const v = await batch([rec('a', '1', 10), rec('b', '1', 11)]);
    const out = await cleanBatch(v, ctx({ mapped: [['a', 10], ['b', 11]] }));
    expect(out!.equals(v.bytes())).toBe(true);
  });

  it('drops keyless records and keeps anything past the mapped section', async () => {
    const v = await batch([rec(null, 'x', 10), rec('a', 'old', 11), rec(null, 'y', 12), rec('a', 'new', 13)]);
    // The map covers offsets up to 11 only (a round whose map filled up).
    const c = ctx({ mapped: [['a', 11]], latest: 11 });
    const out = await decode(await cleanBatch(v, c));
    expect(out.records.map((r) => Number(r.offset))).toEqual([11, 12, 13]);
    expect(c.stats.keylessRecordsDropped).toBe(1);
  });

  it('keeps a new tombstone and stamps the delete horizon (KIP-534), then drops it once the horizon passes', async () => {
    const v = await batch([rec('a', null, 10, 1_234), rec('b', 'live', 11, 1_300)], { compression: CompressionType.Gzip });
    const first = await cleanBatch(v, ctx({ mapped: [['a', 10], ['b', 11]] }));
    const d1 = await decode(first);
    expect(d1.hasDeleteHorizon).toBe(true);
    expect(d1.deleteHorizonMs).toBe(10_500n);
    expect(d1.compression).toBe(CompressionType.Gzip);
    expect(d1.records.map((r) => [Number(r.offset), Number(r.timestamp), r.value?.toString() ?? null])).toEqual([
      [10, 1_234, null],
      [11, 1_300, 'live'],
    ]);
    expect(d1.maxTimestamp).toBe(1_300n);

    // Before the horizon: unchanged (same bytes, the horizon is not moved).
    const again = await cleanBatch(new RecordBatchView(first!), ctx({ mapped: [['a', 10], ['b', 11]], nowMs: 10_499 }));
    expect(again!.equals(first!)).toBe(true);

    // At the horizon: the tombstone goes, the live record stays under the same horizon.
    const later = await decode(await cleanBatch(new RecordBatchView(first!), ctx({ mapped: [['a', 10], ['b', 11]], nowMs: 10_500 })));
    expect(later.records.map((r) => Number(r.offset))).toEqual([11]);
    expect(later.deleteHorizonMs).toBe(10_500n);
  });

  it('drops a batch whose records all go, unless it is a live producer’s last batch or ends at the upper bound', async () => {
    const v = await batch([rec('a', '1', 10), rec('a', '2', 11)], { producerId: 4n, producerEpoch: 1, baseSequence: 9 });
    expect(await cleanBatch(v, ctx({ mapped: [['a', 50]] }))).toBeUndefined();

    const keep = await cleanBatch(v, ctx({ mapped: [['a', 50]], lastRecords: new Map([[4, { lastDataOffset: 11, producerEpoch: 1 }]]) }));
    const d = await decode(keep);
    expect(d.records).toEqual([]);
    expect(d.sizeInBytes).toBe(61);
    expect(d.baseOffset).toBe(10n);
    expect(d.lastOffset).toBe(11n);
    expect(d.baseSequence).toBe(9);
    expect(d.producerEpoch).toBe(1);
    expect(d.compression).toBe(CompressionType.None);

    const atBound = await decode(await cleanBatch(v, ctx({ mapped: [['a', 50]], upperBoundOffset: 12 })));
    expect(atBound.records).toEqual([]);
    expect(atBound.lastOffset).toBe(11n);
  });

  it('keeps LogAppendTime batches’ max timestamp when rewriting', async () => {
    const v = await batch([rec('a', '1', 10, 500), rec('b', '1', 11, 600)], { timestampType: TimestampType.LogAppendTime, maxTimestamp: 9_999n });
    const d = await decode(await cleanBatch(v, ctx({ mapped: [['a', 10], ['b', 30]] })));
    expect(d.timestampType).toBe(TimestampType.LogAppendTime);
    expect(d.maxTimestamp).toBe(9_999n);
    expect(d.records.map((r) => Number(r.timestamp))).toEqual([9_999]);
  });

  it('discards aborted transactional data and keeps the ABORT marker while its data was seen', async () => {
    const aborted: AbortedTxn[] = [{ producerId: 5, firstOffset: 10, lastOffset: 12, lastStableOffset: 13 }];
    const c = ctx({ mapped: [['a', 10]], aborted });
    const data = await batch([rec('a', '1', 10)], { producerId: 5n, producerEpoch: 0, baseSequence: 0, isTransactional: true });
    expect(await cleanBatch(data, c)).toBeUndefined();
    const marker = new RecordBatchView(await encodeRecordBatch(endTxnMarkerBatch({ commit: false, producerId: 5n, producerEpoch: 0, coordinatorEpoch: 1, timestamp: 1_000n, baseOffset: 12n })));
    const kept = await cleanBatch(marker, c);
    expect(kept!.equals(marker.bytes())).toBe(true);

    // A later round: the data is gone, so the marker gets a horizon, and after it, goes.
    const c2 = ctx({ aborted });
    const stamped = await decode(await cleanBatch(marker, c2));
    expect(stamped.isControl).toBe(true);
    expect(stamped.deleteHorizonMs).toBe(10_500n);
    expect(stamped.records).toHaveLength(1);
    const c3 = ctx({ aborted, nowMs: 10_500 });
    const stampedView = new RecordBatchView(Buffer.from((await cleanBatch(marker, ctx({ aborted })))!));
    expect(await cleanBatch(stampedView, c3)).toBeUndefined();
  });

  it('keeps a COMMIT marker while committed data of its transaction remains', async () => {
    const c = ctx({ mapped: [['a', 10]] });
    const data = await batch([rec('a', '1', 10)], { producerId: 6n, producerEpoch: 0, baseSequence: 0, isTransactional: true });
    expect((await cleanBatch(data, c))!.equals(data.bytes())).toBe(true);
    const commit = new RecordBatchView(await encodeRecordBatch(endTxnMarkerBatch({ commit: true, producerId: 6n, producerEpoch: 0, coordinatorEpoch: 1, timestamp: 1_000n, baseOffset: 11n })));
    const kept = await decode(await cleanBatch(commit, c));
    expect(kept.hasDeleteHorizon).toBe(false);
    // Without its data in this pass, the marker is only kept until the horizon.
    expect((await decode(await cleanBatch(commit, ctx()))).hasDeleteHorizon).toBe(true);
  });

  it('keeps a producer’s last marker as an empty batch when its epoch is the producer’s current one', async () => {
    const commit = new RecordBatchView(await encodeRecordBatch(endTxnMarkerBatch({ commit: true, producerId: 8n, producerEpoch: 2, coordinatorEpoch: 1, timestamp: 1_000n, baseOffset: 30n })));
    const stamped = new RecordBatchView(Buffer.from((await cleanBatch(commit, ctx()))!));
    const c = ctx({ nowMs: 20_000, lastRecords: new Map([[8, { lastDataOffset: undefined, producerEpoch: 2 }]]) });
    const d = await decode(await cleanBatch(stamped, c));
    expect(d.isControl).toBe(true);
    expect(d.records).toEqual([]);
    expect(d.producerEpoch).toBe(2);
    expect(await cleanBatch(stamped, ctx({ nowMs: 20_000 }))).toBeUndefined();
  });
});
