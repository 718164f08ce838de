import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../errors.js';
import { BufferMemory } from './buffer-memory.js';

describe('BufferMemory', () => {
  it('reserves until the limit, then makes callers wait until bytes are released', async () => {
    const m = new BufferMemory(100);
    expect(m.tryReserve(60)).toBe(true);
    expect(m.tryReserve(60)).toBe(false);
    let granted = false;
    const wait = m.reserve(60, 10_000).then(() => (granted = true));
    await Promise.resolve();
    expect(granted).toBe(false);
    m.release(60);
    await wait;
    expect(granted).toBe(true);
    expect(m.used).toBe(60);
  });

  it('grants waiters first come first served, and a small request never overtakes a waiting one', async () => {
    const m = new BufferMemory(100);
    m.tryReserve(100);
    const order: string[] = [];
    const big = m.reserve(80, 10_000).then(() => order.push('big'));
    // Room for 10 bytes would exist after a small release, but the big waiter is first in line.
    expect(m.tryReserve(10)).toBe(false);
    const small = m.reserve(10, 10_000).then(() => order.push('small'));
    m.release(100);
    await Promise.all([big, small]);
    expect(order).toEqual(['big', 'small']);
  });

  it('fails a wait with TimeoutError after max.block.ms', async () => {
    const m = new BufferMemory(10);
    m.tryReserve(10);
    await expect(m.reserve(5, 20)).rejects.toBeInstanceOf(TimeoutError);
    // The timed-out waiter is gone: a release grants nobody and leaves the bytes free.
    m.release(10);
    expect(m.used).toBe(0);
  });

  it('refuses a reservation larger than the whole pool at once', async () => {
    await expect(new BufferMemory(10).reserve(11, 1000)).rejects.toBeInstanceOf(RangeError);
  });
});
