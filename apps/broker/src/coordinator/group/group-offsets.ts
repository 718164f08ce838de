import type { OffsetCommitValue } from './coordinator-records.js';
import { TopicPartitionMap } from './topic-partition-map.js';

/** A committed offset as the coordinator keeps it (the same fields as the stored record). */
export type OffsetAndMetadata = OffsetCommitValue;

/**
 * A committed offset and where its record sits among the group's writes (Kafka's
 * CommitRecordMetadataAndOffset): of two commits of one partition, the later record wins.
 */
interface PositionedOffset {
  readonly value: OffsetAndMetadata;
  readonly position: number;
}

/** A transactional commit waiting for its producer's COMMIT or ABORT marker. */
interface PendingTxnOffset {
  readonly value: OffsetAndMetadata;
  readonly position: number;
  /** Its record is in the log (the append resolved); only then can a COMMIT make it visible. */
  appended: boolean;
}

/**
 * One group's committed offsets plus the writes still in flight and the transactional commits
 * still waiting for their transaction to end.
 *
 * Every write gets a position: on load, the order in which the records were replayed; afterwards,
 * the order in which appends were issued, which is the order the log holds them (appends to a
 * partition of __consumer_offsets are written in call order, and a group lives in one partition).
 * Positions decide, as Kafka's appended batch offsets do, which of two commits of a partition
 * counts: a write that resolves late never overrides a later one, and a transactional commit
 * made visible by its COMMIT marker only replaces an offset whose record is older than its own.
 *
 * A plain commit becomes visible once its append resolved; until then the partition counts as
 * pending, which keeps it from expiring and lets OffsetFetch(require_stable) report it. A
 * transactional commit (TxnOffsetCommit) stays invisible until completeTxn for its producer.
 */
export class GroupOffsets {
  private readonly committed = new TopicPartitionMap<PositionedOffset>();
  private readonly inFlight = new TopicPartitionMap<number>();
  private readonly appliedSeq = new TopicPartitionMap<number>();
  /** Kafka's pendingTransactionalOffsetCommits: producer id → its uncommitted offsets. */
  private readonly pendingTxn = new Map<number, TopicPartitionMap<PendingTxnOffset>>();
  private nextSeq = 1;

  get size(): number {
    return this.committed.size;
  }

  get(topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.committed.get(topic, partition)?.value;
  }

  *entries(): IterableIterator<[string, number, OffsetAndMetadata]> {
    for (const [topic, partition, o] of this.committed.entries()) yield [topic, partition, o.value];
  }

  /** Installs an offset read from the log (no write involved) at its replay position. */
  load(topic: string, partition: number, value: OffsetAndMetadata, position = 0): void {
    this.committed.set(topic, partition, { value, position });
    this.resumeAfter(position);
  }

  /** Installs a transactional commit read from the log whose transaction had not ended there. */
  loadPendingTxn(producerId: number, topic: string, partition: number, value: OffsetAndMetadata, position: number): void {
    this.pendingOf(producerId).set(topic, partition, { value, position, appended: true });
    this.resumeAfter(position);
  }

  /** Later writes get positions above `position` (the last replayed one). */
  resumeAfter(position: number): void {
    if (position >= this.nextSeq) this.nextSeq = position + 1;
  }

  /** Removes a committed offset right away (expiry, deletion, group removal); returns whether one was there. */
  remove(topic: string, partition: number): boolean {
    return this.committed.delete(topic, partition);
  }

  /** A plain commit or deletion of the partition is being written. */
  hasPending(topic: string, partition: number): boolean {
    return (this.inFlight.get(topic, partition) ?? 0) > 0;
  }

  /** Some producer's transaction holds an uncommitted offset of the partition. */
  hasPendingTxn(topic: string, partition: number): boolean {
    for (const offsets of this.pendingTxn.values()) if (offsets.has(topic, partition)) return true;
    return false;
  }

  hasPendingTxnFrom(producerId: number): boolean {
    return this.pendingTxn.has(producerId);
  }

  /** Producers with uncommitted offsets in this group. */
  pendingTxnProducers(): number[] {
    return [...this.pendingTxn.keys()];
  }

  /** True while anything is committed or being committed (Kafka's GroupMetadata.hasOffsets). */
  hasOffsets(): boolean {
    return this.committed.size > 0 || this.inFlight.size > 0 || this.pendingTxn.size > 0;
  }

  /** Marks the partitions as being written and returns the write's sequence number (its position). */
  beginWrite(partitions: Iterable<readonly [string, number]>): number {
    for (const [topic, partition] of partitions) {
      this.inFlight.set(topic, partition, (this.inFlight.get(topic, partition) ?? 0) + 1);
    }
    return this.nextSeq++;
  }

  /**
   * The write resolved: value is the new offset, or null for a tombstone (which also drops the
   * partition from open transactions, as Kafka's removeOffsets does). A write older than what the
   * partition already shows changes nothing.
   */
  completeWrite(seq: number, topic: string, partition: number, value: OffsetAndMetadata | null): void {
    const current = this.committed.get(topic, partition);
    if ((this.appliedSeq.get(topic, partition) ?? 0) < seq && (current === undefined || current.position < seq)) {
      this.appliedSeq.set(topic, partition, seq);
      if (value) {
        this.committed.set(topic, partition, { value, position: seq });
      } else {
        this.committed.delete(topic, partition);
        this.dropPendingTxn(topic, partition);
      }
    }
    this.endWrite(topic, partition);
  }

  /** The write failed: nothing changes except that it is no longer pending. */
  failWrite(topic: string, partition: number): void {
    this.endWrite(topic, partition);
  }

  /**
   * A TxnOffsetCommit is being written (Kafka's prepareTxnOffsetCommit): the offsets become the
   * producer's pending ones, replacing earlier ones of the same partitions. Returns the position.
   */
  beginTxnWrite(producerId: number, offsets: Iterable<readonly [string, number, OffsetAndMetadata]>): number {
    const seq = this.nextSeq++;
    const pending = this.pendingOf(producerId);
    for (const [topic, partition, value] of offsets) pending.set(topic, partition, { value, position: seq, appended: false });
    return seq;
  }

  /** The TxnOffsetCommit's append resolved: its offset can now be committed by a marker. */
  completeTxnWrite(producerId: number, seq: number, topic: string, partition: number): void {
    const pending = this.pendingTxn.get(producerId)?.get(topic, partition);
    if (pending?.position === seq) pending.appended = true;
  }

  /** The TxnOffsetCommit's append failed: its offset is no longer pending (a later one stays). */
  failTxnWrite(producerId: number, seq: number, topic: string, partition: number): void {
    const pending = this.pendingTxn.get(producerId);
    if (pending?.get(topic, partition)?.position !== seq) return;
    pending.delete(topic, partition);
    if (pending.size === 0) this.pendingTxn.delete(producerId);
  }

  /**
   * The producer's transaction ended (Kafka's completePendingTxnOffsetCommit). On COMMIT each of
   * its offsets replaces the committed one unless that one's record is newer (a plain commit made
   * after the TxnOffsetCommit wins); on ABORT they are dropped. An offset whose append has not
   * resolved is not in the log before the marker, so it is dropped too.
   */
  completeTxn(producerId: number, commit: boolean): void {
    const pending = this.pendingTxn.get(producerId);
    if (!pending) return;
    this.pendingTxn.delete(producerId);
    if (!commit) return;
    for (const [topic, partition, p] of pending.entries()) {
      if (!p.appended) continue;
      const current = this.committed.get(topic, partition);
      if (current === undefined || current.position < p.position) this.committed.set(topic, partition, { value: p.value, position: p.position });
    }
  }

  /** Forgets every open transaction's offsets (the group is being deleted). */
  clearPendingTxn(): void {
    this.pendingTxn.clear();
  }

  private pendingOf(producerId: number): TopicPartitionMap<PendingTxnOffset> {
    let pending = this.pendingTxn.get(producerId);
    if (!pending) this.pendingTxn.set(producerId, (pending = new TopicPartitionMap()));
    return pending;
  }

  private dropPendingTxn(topic: string, partition: number): void {
    for (const [producerId, pending] of this.pendingTxn) {
      if (pending.delete(topic, partition) && pending.size === 0) this.pendingTxn.delete(producerId);
    }
  }

  private endWrite(topic: string, partition: number): void {
    const n = (this.inFlight.get(topic, partition) ?? 0) - 1;
    if (n > 0) {
      this.inFlight.set(topic, partition, n);
    } else {
      // With nothing in flight, any later write has a higher number: the marker is no longer needed.
      this.inFlight.delete(topic, partition);
      this.appliedSeq.delete(topic, partition);
    }
  }
}
