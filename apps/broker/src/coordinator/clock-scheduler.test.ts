import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clockScheduler } from './clock-scheduler.js';

describe('clockScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reads the broker's clock and runs a task once its delay has passed, unless cancelled", () => {
    const s = clockScheduler({ now: () => 42 });
    expect(s.now()).toBe(42);
    const ran: string[] = [];
    s.schedule(100, () => ran.push('due'));
    const cancelled = s.schedule(50, () => ran.push('cancelled'));
    s.schedule(-5, () => ran.push('negative counts as 0'));
    cancelled.cancel();
    vi.advanceTimersByTime(99);
    expect(ran).toEqual(['negative counts as 0']);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual(['negative counts as 0', 'due']);
  });

  it('waits out delays beyond what one Node timer can hold (2^31-1 ms), and can be cancelled between hops', () => {
    const s = clockScheduler({ now: () => 0 });
    const long = 2 ** 31 + 1000;
    let ran = 0;
    s.schedule(long, () => ran++);
    const stopped = s.schedule(long, () => ran++);
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(ran).toBe(0);
    stopped.cancel();
    vi.advanceTimersByTime(1001);
    expect(ran).toBe(1);
  });
});
