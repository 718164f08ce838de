import type { OffsetCommitValue } from './coordinator-records.js';
import { TopicPartitionMap } from './topic-partition-map.js';

/** A committed offset as the coordinator keeps it (the same fields as the stored record). */
export type OffsetAndMetadata = OffsetCommitValue;

/**
 * One group's committed offsets plus the writes still in flight. A commit only becomes visible once
 * its append to __consumer_offsets resolved; until then the partition counts as pending, which
 * keeps it from expiring and lets OffsetFetch(require_stable) report it. Writes are numbered in the
 * order they were issued (the order the log holds them), and a write that resolves late never
 * overrides a later one, so the cache always matches what a reload of the log would produce.
 */
export class GroupOffsets {
  private readonly committed = new TopicPartitionMap<OffsetAndMetadata>();
  private readonly inFlight = new TopicPartitionMap<number>();
  private readonly appliedSeq = new TopicPartitionMap<number>();
  private nextSeq = 1;

  get size(): number {
    return this.committed.size;
  }

  get(topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.committed.get(topic, partition);
  }

  entries(): IterableIterator<[string, number, OffsetAndMetadata]> {
    return this.committed.entries();
  }

  /** Installs an offset read from the log (no write involved). */
  load(topic: string, partition: number, value: OffsetAndMetadata): void {
    this.committed.set(topic, partition, value);
  }

  /** Removes an offset right away (expiry, deletion, group removal); returns whether one was there. */
  remove(topic: string, partition: number): boolean {
    return this.committed.delete(topic, partition);
  }

  hasPending(topic: string, partition: number): boolean {
    return (this.inFlight.get(topic, partition) ?? 0) > 0;
  }

  /** True while anything is committed or being committed (Kafka's GroupMetadata.hasOffsets). */
  hasOffsets(): boolean {
    return this.committed.size > 0 || this.inFlight.size > 0;
  }

  /** Marks the partitions as being written and returns the write's sequence number. */
  beginWrite(partitions: Iterable<readonly [string, number]>): number {
    for (const [topic, partition] of partitions) {
      this.inFlight.set(topic, partition, (this.inFlight.get(topic, partition) ?? 0) + 1);
    }
    return this.nextSeq++;
  }

  /** The write resolved: value is the new offset, or null for a tombstone. */
  completeWrite(seq: number, topic: string, partition: number, value: OffsetAndMetadata | null): void {
    if ((this.appliedSeq.get(topic, partition) ?? 0) < seq) {
      this.appliedSeq.set(topic, partition, seq);
      if (value) this.committed.set(topic, partition, value);
      else this.committed.delete(topic, partition);
    }
    this.endWrite(topic, partition);
  }

  /** The write failed: nothing changes except that it is no longer pending. */
  failWrite(topic: string, partition: number): void {
    this.endWrite(topic, partition);
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
