import { describe, expect, it } from 'vitest';
import { partitionForKey } from './murmur2.js';
import { DefaultPartitioner } from './partitioner.js';

function input(topic: string, key: Buffer | null, sizeInBytes: number, available = [0, 1, 2, 3, 4, 5]) {
  return { topic, key, sizeInBytes, numPartitions: 6, availablePartitions: available };
}

describe('DefaultPartitioner', () => {
  it('hashes keys over all partitions, even those without a leader', () => {
    const p = new DefaultPartitioner(16384);
    for (let i = 0; i < 50; i++) {
      const key = Buffer.from(`k${i}`);
      expect(p.partition(input('t', key, 10, [0]))).toBe(partitionForKey(key, 6));
    }
  });

  it('keeps a keyless topic on one partition until batch.size bytes went to it, then switches', () => {
    const p = new DefaultPartitioner(1000);
    const first = p.partition(input('t', null, 100));
    for (let i = 1; i < 10; i++) expect(p.partition(input('t', null, 100))).toBe(first);
    // 1000 bytes reached: the next record moves to another partition
    const second = p.partition(input('t', null, 100));
    expect(second).not.toBe(first);
    for (let i = 1; i < 10; i++) expect(p.partition(input('t', null, 100))).toBe(second);
  });

  it('sticks per topic', () => {
    let n = 0;
    const p = new DefaultPartitioner(1000, () => [0.1, 0.9][n++ % 2]!);
    const a = p.partition(input('a', null, 1));
    const b = p.partition(input('b', null, 1));
    expect(a).not.toBe(b);
    expect(p.partition(input('a', null, 1))).toBe(a);
  });

  it('only chooses available partitions for keyless records', () => {
    const p = new DefaultPartitioner(10);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(p.partition(input('t', null, 10, [1, 4])));
    expect([...seen].sort()).toEqual([1, 4]);
  });

  it('spreads keyless records uniformly over time', () => {
    const p = new DefaultPartitioner(100);
    const counts = new Array(6).fill(0) as number[];
    for (let i = 0; i < 60000; i++) counts[p.partition(input('t', null, 10))]!++;
    for (const c of counts) expect(c).toBeGreaterThan(7000);
  });
});
