/** Node timers cap at 2^31-1 ms and fire at once beyond it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A request that waits for a condition or a deadline, whichever comes first (Kafka's
 * DelayedOperation): a long-poll Fetch waiting for min.bytes, later a Produce with acks=all waiting
 * for followers. It completes exactly once.
 */
export abstract class DelayedOperation {
  private completed = false;
  private timer: NodeJS.Timeout | undefined;
  /** Set by the purgatory: takes the operation off every key it watches. */
  unwatch: (() => void) | undefined;

  constructor(readonly delayMs: number) {}

  /** Whether the condition now holds. Cheap and synchronous: it runs after every relevant append. */
  protected abstract isSatisfied(): boolean;

  /** Produces the answer; runs once, on satisfaction, expiry or shutdown. */
  protected abstract onComplete(): void;

  get isCompleted(): boolean {
    return this.completed;
  }

  /** Completes if the condition holds; returns whether this call completed it. */
  tryComplete(): boolean {
    if (this.completed || !this.isSatisfied()) return false;
    return this.forceComplete();
  }

  /** Completes now whatever the condition (deadline, shutdown, partition gone). */
  forceComplete(): boolean {
    if (this.completed) return false;
    this.completed = true;
    if (this.timer) clearTimeout(this.timer);
    this.unwatch?.();
    this.onComplete();
    return true;
  }

  /** Arms the deadline: one timer per waiting operation, never a polling loop. */
  startTimer(): void {
    if (this.completed) return;
    this.timer = setTimeout(() => this.forceComplete(), Math.min(Math.max(0, this.delayMs), MAX_TIMER_MS));
  }
}

/**
 * Waiting operations indexed by what can complete them (Kafka's DelayedOperationPurgatory): a
 * key is a topic-partition; an append to it checks only the operations watching it.
 */
export class Purgatory<T extends DelayedOperation> {
  private readonly watchers = new Map<string, Set<T>>();
  private readonly pending = new Set<T>();

  /**
   * Completes `op` at once if it can, else watches `keys` for it and starts its deadline. Returns
   * whether it completed at once.
   */
  tryCompleteElseWatch(op: T, keys: readonly string[]): boolean {
    if (op.tryComplete()) return true;
    for (const key of keys) {
      let set = this.watchers.get(key);
      if (!set) this.watchers.set(key, (set = new Set()));
      set.add(op);
    }
    this.pending.add(op);
    op.unwatch = () => {
      this.pending.delete(op);
      for (const key of keys) {
        const set = this.watchers.get(key);
        if (!set) continue;
        set.delete(op);
        if (set.size === 0) this.watchers.delete(key);
      }
    };
    op.startTimer();
    return false;
  }

  /** Something changed for `key` (data appended): completes the operations that are now satisfied. */
  checkAndComplete(key: string): number {
    const set = this.watchers.get(key);
    if (!set) return 0;
    let completed = 0;
    // Completing removes the op from the set: iterate over a copy.
    for (const op of [...set]) if (op.tryComplete()) completed++;
    return completed;
  }

  /** Completes every operation watching `key` whatever its condition (the partition went away). */
  completeAll(key: string): void {
    const set = this.watchers.get(key);
    if (!set) return;
    for (const op of [...set]) op.forceComplete();
  }

  /** Completes everything that is waiting (broker shutdown: answer with what is there). */
  shutdown(): void {
    for (const op of [...this.pending]) op.forceComplete();
  }

  /** Operations still waiting. */
  get size(): number {
    return this.pending.size;
  }

  /** Keys with at least one operation watching them (for tests: nothing must leak). */
  get watchedKeys(): number {
    return this.watchers.size;
  }
}
