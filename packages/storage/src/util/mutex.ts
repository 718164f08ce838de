/**
 * Serialises async critical sections (appends, rolls, truncations, segment swaps of one log): each
 * run starts after the previous one settles, whatever its outcome.
 */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  private depth = 0;

  run<T>(fn: () => Promise<T>): Promise<T> {
    this.depth++;
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => this.depth--,
      () => this.depth--,
    );
    return result;
  }

  /** Nothing queued or running: a synchronous section may run without taking the lock. */
  get idle(): boolean {
    return this.depth === 0;
  }

  /** Sections queued or running. */
  get pending(): number {
    return this.depth;
  }
}
