import type { CoordinatorLog, CoordinatorLogEntry, CoordinatorRecord, TransactionalProducer } from '../coordinator-log.js';

/**
 * __consumer_offsets kept in memory, for unit tests only (the broker binds CoordinatorLog to its
 * real log store). Appends can be made to fail, or be held until released, to exercise the
 * coordinator's write-failure and in-flight paths. Transaction markers are added with
 * writeMarker, standing in for the transaction coordinator's marker write.
 */
export class InMemoryCoordinatorLog implements CoordinatorLog {
  private readonly partitions = new Map<number, CoordinatorLogEntry[]>();
  /** When set, the next appends reject with this error (it is not cleared automatically). */
  failWith: unknown = null;
  /** When true, appends wait until release() is called. */
  holdAppends = false;
  private held: Array<() => void> = [];
  appendCount = 0;

  async append(partition: number, records: readonly CoordinatorRecord[], producer?: TransactionalProducer): Promise<void> {
    this.appendCount++;
    if (this.holdAppends) await new Promise<void>((resolve) => this.held.push(resolve));
    if (this.failWith !== null) throw this.failWith;
    this.entriesOf(partition).push({ kind: 'records', producerId: producer?.producerId ?? null, records: [...records] });
  }

  async *readAll(partition: number): AsyncIterable<CoordinatorLogEntry> {
    for (const entry of [...(this.partitions.get(partition) ?? [])]) yield entry;
  }

  /** Lets every held append proceed. */
  release(): void {
    const held = this.held;
    this.held = [];
    for (const resume of held) resume();
  }

  /** Every record of the partition, transactional or not, in log order. */
  records(partition: number): readonly CoordinatorRecord[] {
    return (this.partitions.get(partition) ?? []).flatMap((e) => (e.kind === 'records' ? e.records : []));
  }

  /** Every batch and marker of the partition, in log order. */
  entries(partition: number): readonly CoordinatorLogEntry[] {
    return this.partitions.get(partition) ?? [];
  }

  /** Adds raw records, e.g. ones written by another broker or a corrupt one. */
  inject(partition: number, records: readonly CoordinatorRecord[], producerId: number | null = null): void {
    this.entriesOf(partition).push({ kind: 'records', producerId, records: [...records] });
  }

  /** Appends a COMMIT or ABORT marker of the producer's transaction, as the transaction coordinator does. */
  writeMarker(partition: number, producerId: number, commit: boolean): void {
    this.entriesOf(partition).push({ kind: 'marker', producerId, commit });
  }

  private entriesOf(partition: number): CoordinatorLogEntry[] {
    let log = this.partitions.get(partition);
    if (!log) this.partitions.set(partition, (log = []));
    return log;
  }
}
