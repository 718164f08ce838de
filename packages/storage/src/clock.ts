import { StorageError } from './errors.js';

/**
 * Time as the storage layer sees it. Injected everywhere (retention, rolling, flush scheduling,
 * LogAppendTime) so tests move time forward instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
  constructor(private ms = 0) {}

  now(): number {
    return this.ms;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new StorageError('INVALID_REQUEST', `ManualClock cannot move by ${ms} ms`);
    this.ms += ms;
  }

  set(ms: number): void {
    this.ms = ms;
  }
}
