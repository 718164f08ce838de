import { describe, expect, it } from 'vitest';
import { GroupCoordinatorError } from './errors.js';
import { ManualScheduler } from './scheduler.js';

describe('ManualScheduler', () => {
  it('fires due timers in deadline order with the clock at each deadline', () => {
    const s = new ManualScheduler(100);
    const seen: Array<[string, number]> = [];
    s.schedule(30, () => seen.push(['c', s.now()]));
    s.schedule(10, () => seen.push(['a', s.now()]));
    s.schedule(10, () => seen.push(['b', s.now()]));
    s.schedule(50, () => seen.push(['late', s.now()]));
    s.advance(30);
    expect(seen).toEqual([
      ['a', 110],
      ['b', 110],
      ['c', 130],
    ]);
    expect(s.now()).toBe(130);
    expect(s.pendingTimers).toBe(1);
  });

  it('does not fire cancelled timers', () => {
    const s = new ManualScheduler();
    let fired = false;
    s.schedule(5, () => (fired = true)).cancel();
    s.advance(10);
    expect(fired).toBe(false);
  });

  it('fires timers scheduled by a firing task when they fall due within the same advance', () => {
    const s = new ManualScheduler(0);
    const seen: number[] = [];
    s.schedule(5, () => {
      seen.push(s.now());
      s.schedule(5, () => seen.push(s.now()));
      s.schedule(50, () => seen.push(s.now()));
    });
    s.advance(20);
    expect(seen).toEqual([5, 10]);
    s.advance(40);
    expect(seen).toEqual([5, 10, 55]);
  });

  it('fires zero-delay timers on advance(0)', () => {
    const s = new ManualScheduler(0);
    let fired = 0;
    s.schedule(0, () => fired++);
    expect(fired).toBe(0);
    s.advance(0);
    expect(fired).toBe(1);
  });

  it('refuses to move backwards', () => {
    expect(() => new ManualScheduler().advance(-1)).toThrow(GroupCoordinatorError);
  });
});
