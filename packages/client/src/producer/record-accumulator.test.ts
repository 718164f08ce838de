import { describe, expect, it } from 'vitest';
import { RecordAccumulator } from './record-accumulator.js';

const rec = (v: string) => ({ value: Buffer.from(v) });

describe('RecordAccumulator', () => {
  it('appends to the open batch of the partition until batch.size, then starts a new one', () => {
    const acc = new RecordAccumulator(61 + 300);
    const a = acc.append('t', 0, rec('a'), 100, 1);
    const b = acc.append('t', 0, rec('b'), 100, 2);
    expect(b.batch).toBe(a.batch);
    expect([a.index, b.index]).toEqual([0, 1]);
    expect(a.batchReady || b.batchReady).toBe(false);
    const c = acc.append('t', 0, rec('c'), 100, 3);
    // 61 + 300 reached exactly: the batch is full and ready.
    expect(c.batch).toBe(a.batch);
    expect(c.batchReady).toBe(true);
    const d = acc.append('t', 0, rec('d'), 100, 4);
    expect(d.batch).not.toBe(a.batch);
    expect(d.index).toBe(0);
    expect(acc.queue('t', 0).batches).toHaveLength(2);
  });

  it('closes the open batch when the next record does not fit, and gives an oversized record its own batch', () => {
    const acc = new RecordAccumulator(200);
    const a = acc.append('t', 0, rec('a'), 100, 1);
    const big = acc.append('t', 0, rec('b'), 1000, 1);
    expect(big.batch).not.toBe(a.batch);
    expect(big.batchReady).toBe(true);
    expect(a.batch.closed).toBe(true);
    expect(big.batch.recordCount).toBe(1);
  });

  it('keeps partitions and topics apart', () => {
    const acc = new RecordAccumulator(16384);
    const a = acc.append('t', 0, rec('a'), 10, 1);
    const b = acc.append('t', 1, rec('b'), 10, 1);
    const c = acc.append('u', 0, rec('c'), 10, 1);
    expect(new Set([a.batch, b.batch, c.batch]).size).toBe(3);
    expect([...acc.nonEmptyQueues()].map((q) => `${q.topic}-${q.partition}`).sort()).toEqual(['t-0', 't-1', 'u-0']);
    expect(acc.incompleteBatches()).toHaveLength(3);
    acc.forget(a.batch);
    expect(acc.incompleteBatches()).toHaveLength(2);
  });

  it('puts retried batches back ahead of unsent ones, in sequence order', () => {
    const acc = new RecordAccumulator(100);
    const q = acc.queue('t', 0);
    const batches = [0, 1, 2, 3].map((i) => acc.append('t', 0, rec(`${i}`), 100, i).batch);
    // Drain the first three as the sender does.
    const sent = q.batches.splice(0, 3);
    sent.forEach((b, i) => {
      b.baseSequence = i * 10;
      b.attempts = 1;
    });
    // They fail in an arbitrary order and come back.
    acc.reenqueue(sent[2]!);
    acc.reenqueue(sent[0]!);
    acc.reenqueue(sent[1]!);
    expect(q.batches).toEqual([batches[0], batches[1], batches[2], batches[3]]);
  });
});
