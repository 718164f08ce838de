import { afterEach, describe, expect, it, vi } from 'vitest';
import { DelayedOperation, Purgatory } from './purgatory.js';

/** Completes when `ready` is set; records how it completed. */
class Waiter extends DelayedOperation {
  ready = false;
  completions = 0;
  protected isSatisfied(): boolean {
    return this.ready;
  }
  protected onComplete(): void {
    this.completions++;
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Purgatory', () => {
  it('completes at once when the condition already holds, without watching', () => {
    const p = new Purgatory<Waiter>();
    const op = new Waiter(1000);
    op.ready = true;
    expect(p.tryCompleteElseWatch(op, ['a'])).toBe(true);
    expect(op.completions).toBe(1);
    expect(p.size).toBe(0);
    expect(p.watchedKeys).toBe(0);
  });

  it('completes a watching operation when its key is checked and the condition holds, once', () => {
    vi.useFakeTimers();
    const p = new Purgatory<Waiter>();
    const op = new Waiter(1000);
    expect(p.tryCompleteElseWatch(op, ['a', 'b'])).toBe(false);
    expect(p.checkAndComplete('a')).toBe(0);
    op.ready = true;
    expect(p.checkAndComplete('c')).toBe(0);
    expect(p.checkAndComplete('b')).toBe(1);
    expect(p.checkAndComplete('a')).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(op.completions).toBe(1);
    expect(p.size).toBe(0);
    expect(p.watchedKeys).toBe(0);
  });

  it('completes at the deadline when the condition never holds, with one timer', () => {
    vi.useFakeTimers();
    const p = new Purgatory<Waiter>();
    const op = new Waiter(250);
    p.tryCompleteElseWatch(op, ['a']);
    vi.advanceTimersByTime(249);
    expect(op.completions).toBe(0);
    vi.advanceTimersByTime(1);
    expect(op.completions).toBe(1);
    expect(p.size).toBe(0);
    expect(p.watchedKeys).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('completes everything on a key regardless of the condition, and everything at shutdown', () => {
    vi.useFakeTimers();
    const p = new Purgatory<Waiter>();
    const [a1, a2, b1] = [new Waiter(1000), new Waiter(1000), new Waiter(1000)];
    p.tryCompleteElseWatch(a1, ['a']);
    p.tryCompleteElseWatch(a2, ['a', 'b']);
    p.tryCompleteElseWatch(b1, ['b']);
    p.completeAll('a');
    expect([a1.completions, a2.completions, b1.completions]).toEqual([1, 1, 0]);
    expect(p.size).toBe(1);
    p.shutdown();
    expect(b1.completions).toBe(1);
    expect(p.size).toBe(0);
    expect(p.watchedKeys).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
