/**
 * One queue per key (a topic name): sections for the same key run one after another, different
 * keys run concurrently. Keeps "create the metadata, then the logs" and "delete the metadata, then
 * the logs" of one topic from interleaving, which would leave logs of a deleted topic behind.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(fn, fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    // Forget the key once its queue drains, so the map does not grow with every topic ever named.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with a section queued or running (for tests). */
  get size(): number {
    return this.tails.size;
  }
}
