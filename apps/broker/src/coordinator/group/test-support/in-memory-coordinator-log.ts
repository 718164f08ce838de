import type { CoordinatorLog, CoordinatorRecord } from '../coordinator-log.js';

/**
 * __consumer_offsets kept in memory, for unit tests only (the broker binds CoordinatorLog to its
 * real log store). Appends can be made to fail, or be held until released, to exercise the
 * coordinator's write-failure and in-flight paths.
 */
export class InMemoryCoordinatorLog implements CoordinatorLog {
  private readonly partitions = new Map<number, CoordinatorRecord[]>();
  /** When set, the next appends reject with this error (it is not cleared automatically). */
  failWith: unknown = null;
  /** When true, appends wait until release() is called. */
  holdAppends = false;
  private held: Array<() => void> = [];
  appendCount = 0;

  async append(partition: number, records: readonly CoordinatorRecord[]): Promise<void> {
    this.appendCount++;
    if (this.holdAppends) await new Promise<void>((resolve) => this.held.push(resolve));
    if (this.failWith !== null) throw this.failWith;
    let log = this.partitions.get(partition);
    if (!log) this.partitions.set(partition, (log = []));
    log.push(...records);
  }

  async *readAll(partition: number): AsyncIterable<CoordinatorRecord> {
    for (const r of [...(this.partitions.get(partition) ?? [])]) yield r;
  }

  /** Lets every held append proceed. */
  release(): void {
    const held = this.held;
    this.held = [];
    for (const resume of held) resume();
  }

  records(partition: number): readonly CoordinatorRecord[] {
    return this.partitions.get(partition) ?? [];
  }

  /** Adds raw records, e.g. ones written by another broker or a corrupt one. */
  inject(partition: number, records: readonly CoordinatorRecord[]): void {
    let log = this.partitions.get(partition);
    if (!log) this.partitions.set(partition, (log = []));
    log.push(...records);
  }
}
