import { GroupCoordinatorError } from './errors.js';

/**
 * Time for the group coordinator: the current time plus one-shot timers. Every deadline the
 * coordinator keeps (session expiry, rebalance and sync timeouts, the initial rebalance delay, the
 * periodic offset expiry) goes through this interface, so tests drive time with ManualScheduler
 * instead of sleeping.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Scheduler {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs task once, delayMs from now (a negative delay counts as 0). */
  schedule(delayMs: number, task: () => void): TimerHandle;
}

/** Real time: setTimeout, unref'd so a pending deadline never keeps the process alive. */
export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  schedule(delayMs, task) {
    const t = setTimeout(task, Math.max(0, delayMs));
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

interface ManualTimer {
  readonly at: number;
  readonly seq: number;
  readonly task: () => void;
  cancelled: boolean;
}

/**
 * A scheduler whose clock only moves when advance() is called. Due timers fire in deadline order
 * (ties in scheduling order), and the clock reads each timer's own deadline while it runs, exactly
 * as if real time had passed; timers scheduled by a firing task also fire if they fall due within
 * the same advance.
 */
export class ManualScheduler implements Scheduler {
  private time: number;
  private seq = 0;
  private timers: ManualTimer[] = [];

  constructor(startMs = 0) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  schedule(delayMs: number, task: () => void): TimerHandle {
    const timer: ManualTimer = { at: this.time + Math.max(0, delayMs), seq: this.seq++, task, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Moves the clock forward by ms, firing every timer that falls due on the way. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new GroupCoordinatorError('INVALID_ARGUMENT', `ManualScheduler cannot move time by ${ms}`);
    const target = this.time + ms;
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      let next: ManualTimer | undefined;
      for (const t of this.timers) {
        if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      }
      if (!next) break;
      next.cancelled = true;
      this.time = Math.max(this.time, next.at);
      next.task();
    }
    this.time = target;
  }

  /** Timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}
