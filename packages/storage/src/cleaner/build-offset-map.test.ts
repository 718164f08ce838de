import { RecordBatchView, encodeRecordBatchSync, endTxnMarkerBatch, type RecordBatchInput } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { buildOffsetMap, type MapSourceSegment } from './build-offset-map.js';
import { CleanerStats } from './cleaner-stats.js';
import { OffsetMap } from './offset-map.js';

/** Batches laid out in "segments" as plain arrays: enough to drive the map pass. */
function segment(baseOffset: number, inputs: RecordBatchInput[]): MapSourceSegment {
  const views = inputs.map((i) => new RecordBatchView(encodeRecordBatchSync(i)));
  return {
    baseOffset,
    async *batchesFrom(from: number) {
      for (const v of views) if (v.lastOffsetNum >= from) yield v;
    },
  };
}

const data = (offset: number, keys: (string | null)[], extra: Partial<RecordBatchInput> = {}): RecordBatchInput => ({
  baseOffset: BigInt(offset),
  baseTimestamp: 1n,
  records: keys.map((key, i) => ({ key: key === null ? null : Buffer.from(key), value: Buffer.from('v'), offset: BigInt(offset + i), timestamp: 1n })),
  ...extra,
});
const txn = (offset: number, pid: number, keys: string[]) => data(offset, keys, { producerId: BigInt(pid), producerEpoch: 0, baseSequence: 0, isTransactional: true });
const marker = (offset: number, pid: number, commit: boolean) =>
  endTxnMarkerBatch({ commit, producerId: BigInt(pid), producerEpoch: 0, coordinatorEpoch: 0, timestamp: 1n, baseOffset: BigInt(offset) });

describe('buildOffsetMap', () => {
  it('maps the last offset of each key in [start, end) and covers the section up to end - 1', async () => {
    const segs = [segment(0, [data(0, ['a', 'b']), data(2, ['a'])]), segment(3, [data(3, ['c', null, 'b']), data(10, ['z'])]), segment(20, [data(20, ['a'])])];
    const map = new OffsetMap(100);
    const aborted = await buildOffsetMap(segs, 1, 20, map, new CleanerStats());
    expect(aborted).toEqual([]);
    expect(map.get(Buffer.from('a'))).toBe(2);
    expect(map.get(Buffer.from('b'))).toBe(5);
    expect(map.get(Buffer.from('c'))).toBe(3);
    expect(map.get(Buffer.from('z'))).toBe(10);
    expect(map.latestOffset).toBe(19);
    expect(map.size).toBe(4);
  });

  it('maps committed transactional keys, skips aborted ones and reports the aborted transaction', async () => {
    const segs = [segment(0, [txn(0, 1, ['t1']), txn(1, 2, ['t2']), data(2, ['t1']), marker(3, 1, true), marker(4, 2, false)])];
    const map = new OffsetMap(100);
    const aborted = await buildOffsetMap(segs, 0, 5, map, new CleanerStats());
    expect(aborted).toEqual([{ producerId: 2, firstOffset: 1, lastOffset: 4 }]);
    // The committed t1 at 0 is older than the plain t1 at 2: the map keeps the higher offset.
    expect(map.get(Buffer.from('t1'))).toBe(2);
    expect(map.has(Buffer.from('t2'))).toBe(false);
  });

  it('reads past the section end to find the markers of transactions with data inside it', async () => {
    const segs = [segment(0, [txn(0, 1, ['x']), txn(1, 2, ['y'])]), segment(2, [data(2, ['q']), marker(3, 1, false), marker(4, 2, true), data(5, ['r'])])];
    const map = new OffsetMap(100);
    const aborted = await buildOffsetMap(segs, 0, 2, map, new CleanerStats());
    expect(aborted).toEqual([{ producerId: 1, firstOffset: 0, lastOffset: 3 }]);
    expect(map.get(Buffer.from('y'))).toBe(1);
    expect(map.has(Buffer.from('x'))).toBe(false);
    expect(map.has(Buffer.from('q'))).toBe(false);
    expect(map.latestOffset).toBe(1);
  });

  it('stops mapping when full but still finds aborted transactions', async () => {
    const segs = [segment(0, [data(0, ['a', 'b']), data(2, ['c', 'a']), txn(4, 9, ['t']), marker(5, 9, false)])];
    const map = new OffsetMap(2);
    const aborted = await buildOffsetMap(segs, 0, 6, map, new CleanerStats());
    expect(map.size).toBe(2);
    expect(map.latestOffset).toBe(1);
    expect(aborted).toEqual([{ producerId: 9, firstOffset: 4, lastOffset: 5 }]);
  });
});
