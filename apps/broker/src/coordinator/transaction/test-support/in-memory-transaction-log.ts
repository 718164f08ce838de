import type { TransactionLog, TransactionLogRecord } from '../transaction-log.js';

/**
 * __transaction_state kept in memory, for unit tests only (the broker binds TransactionLog to its
 * log store). Appends can be made to fail, selectively or all, and replays can be held, to
 * exercise the coordinator's failure and loading paths.
 */
export class InMemoryTransactionLog implements TransactionLog {
  private readonly partitions = new Map<number, TransactionLogRecord[]>();
  /** When set, every append rejects with this error (until cleared). */
  failWith: unknown = null;
  /** Appends for which this returns an error reject with it (checked before failWith). */
  failWhen: ((partition: number, records: readonly TransactionLogRecord[]) => unknown) | null = null;
  /** When true, replays wait until releaseReads() is called. */
  holdReads = false;
  private heldReads: Array<() => void> = [];
  appendCount = 0;

  async append(partition: number, records: readonly TransactionLogRecord[]): Promise<void> {
    this.appendCount++;
    await Promise.resolve();
    const selective = this.failWhen?.(partition, records);
    if (selective !== undefined && selective !== null) throw selective;
    if (this.failWith !== null) throw this.failWith;
    this.recordsOf(partition).push(...records);
  }

  async *readAll(partition: number): AsyncIterable<TransactionLogRecord> {
    if (this.holdReads) await new Promise<void>((resolve) => this.heldReads.push(resolve));
    for (const r of [...(this.partitions.get(partition) ?? [])]) yield r;
  }

  releaseReads(): void {
    this.holdReads = false;
    const held = this.heldReads;
    this.heldReads = [];
    for (const resume of held) resume();
  }

  records(partition: number): readonly TransactionLogRecord[] {
    return this.partitions.get(partition) ?? [];
  }

  /** Adds raw records, e.g. written by an earlier run or a corrupt one. */
  inject(partition: number, records: readonly TransactionLogRecord[]): void {
    this.recordsOf(partition).push(...records);
  }

  private recordsOf(partition: number): TransactionLogRecord[] {
    let log = this.partitions.get(partition);
    if (!log) this.partitions.set(partition, (log = []));
    return log;
  }
}
