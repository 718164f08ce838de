import { TimeoutError } from '../errors.js';

interface Waiter {
  bytes: number;
  resolve(): void;
  reject(err: unknown): void;
  timer: NodeJS.Timeout | null;
}

/**
 * buffer.memory: an upper bound on the bytes of records the producer holds (queued or in flight).
 * Reservations past the bound wait, first come first served, until batches complete and release
 * their bytes, or until max.block.ms passes (TimeoutError), as Java's producer blocks in send().
 */
export class BufferMemory {
  private usedBytes = 0;
  private readonly waiters: Waiter[] = [];

  constructor(readonly limit: number) {}

  get used(): number {
    return this.usedBytes;
  }

  get available(): number {
    return this.limit - this.usedBytes;
  }

  /** Someone is already waiting: new reservations must queue behind them to keep order. */
  get hasWaiters(): boolean {
    return this.waiters.length > 0;
  }

  /** Reserves now if there is room and nobody waits; returns false otherwise. */
  tryReserve(bytes: number): boolean {
    if (this.waiters.length > 0 || this.usedBytes + bytes > this.limit) return false;
    this.usedBytes += bytes;
    return true;
  }

  /** Reserves, waiting for room. A request larger than the whole pool can never succeed. */
  reserve(bytes: number, maxBlockMs: number): Promise<void> {
    if (bytes > this.limit) {
      return Promise.reject(new RangeError(`a record of ${bytes} bytes is larger than buffer.memory (${this.limit})`));
    }
    if (this.tryReserve(bytes)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { bytes, resolve, reject, timer: null };
      waiter.timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new TimeoutError(`failed to allocate ${bytes} bytes of buffer.memory within max.block.ms (${maxBlockMs} ms)`));
        this.grant();
      }, maxBlockMs);
      this.waiters.push(waiter);
    });
  }

  release(bytes: number): void {
    this.usedBytes -= bytes;
    if (this.usedBytes < 0) this.usedBytes = 0;
    this.grant();
  }

  /** Resolves when at least `bytes` are free and nobody waits (for callers that pace themselves). */
  whenAvailable(bytes: number): Promise<void> {
    if (this.waiters.length === 0 && this.usedBytes + bytes <= this.limit) return Promise.resolve();
    return this.reserve(bytes, 2 ** 31 - 1).then(() => this.release(bytes));
  }

  /** Fails every waiter (the producer is closing). */
  abortWaiters(err: unknown): void {
    for (const w of this.waiters.splice(0)) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(err);
    }
  }

  private grant(): void {
    while (this.waiters.length > 0) {
      const w = this.waiters[0]!;
      if (this.usedBytes + w.bytes > this.limit) return;
      this.waiters.shift();
      if (w.timer) clearTimeout(w.timer);
      this.usedBytes += w.bytes;
      w.resolve();
    }
  }
}
