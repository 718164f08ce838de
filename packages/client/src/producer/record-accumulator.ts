import type { RecordInput } from '@tributary/protocol';
import { PartitionQueue } from './partition-queue.js';
import { ProducerBatch } from './producer-batch.js';

export interface AppendResult {
  batch: ProducerBatch;
  /** Index of the record in its batch (its offset is baseOffset + index). */
  index: number;
  /** The append filled the batch, or closed the previous one: something is ready to send now. */
  batchReady: boolean;
}

/**
 * Per-partition queues of batches (Java's RecordAccumulator). Records are appended to the last
 * batch of their partition until it holds batch.size bytes; a record too big for the open batch
 * closes it and starts the next. A record bigger than batch.size gets a batch of its own.
 */
export class RecordAccumulator {
  private readonly byTopic = new Map<string, PartitionQueue[]>();
  /** Batches appended and not yet completed (queued or in flight). */
  private readonly incomplete = new Set<ProducerBatch>();

  constructor(readonly batchSize: number) {}

  queue(topic: string, partition: number): PartitionQueue {
    let queues = this.byTopic.get(topic);
    if (queues === undefined) {
      queues = [];
      this.byTopic.set(topic, queues);
    }
    let q = queues[partition];
    if (q === undefined) {
      q = new PartitionQueue(topic, partition);
      queues[partition] = q;
    }
    return q;
  }

  append(topic: string, partition: number, record: RecordInput, size: number, now: number): AppendResult {
    const q = this.queue(topic, partition);
    const batches = q.batches;
    let batch = batches.length > 0 ? batches[batches.length - 1]! : undefined;
    let batchReady = false;
    if (batch === undefined || batch.closed || (batch.recordCount > 0 && batch.sizeInBytes + size > this.batchSize)) {
      if (batch !== undefined && !batch.closed) {
        batch.closed = true;
        batchReady = true;
      }
      batch = new ProducerBatch(topic, partition, now);
      batches.push(batch);
      this.incomplete.add(batch);
    }
    const index = batch.append(record, size);
    if (batch.sizeInBytes >= this.batchSize) {
      batch.closed = true;
      batchReady = true;
    }
    return { batch, index, batchReady };
  }

  /**
   * Puts a failed batch back for a retry, ahead of batches not yet sent, in sequence order among
   * other retried batches (so the broker sees sequences in order again).
   */
  reenqueue(batch: ProducerBatch): void {
    const q = this.queue(batch.topic, batch.partition);
    let i = 0;
    while (i < q.batches.length) {
      const other = q.batches[i]!;
      if (other.attempts === 0 || (batch.baseSequence >= 0 && other.baseSequence > batch.baseSequence)) break;
      i++;
    }
    q.batches.splice(i, 0, batch);
  }

  /** Called when a batch is completed or failed for good. */
  forget(batch: ProducerBatch): void {
    this.incomplete.delete(batch);
  }

  /** Every partition queue that holds batches. */
  *nonEmptyQueues(): Generator<PartitionQueue> {
    for (const queues of this.byTopic.values()) {
      for (const q of queues) if (q !== undefined && q.batches.length > 0) yield q;
    }
  }

  *allQueues(): Generator<PartitionQueue> {
    for (const queues of this.byTopic.values()) for (const q of queues) if (q !== undefined) yield q;
  }

  /** Batches appended and not yet completed, queued or in flight. */
  incompleteBatches(): ProducerBatch[] {
    return [...this.incomplete];
  }

  get hasIncomplete(): boolean {
    return this.incomplete.size > 0;
  }

  /** Whether any batch still waits in a queue (not in flight). */
  get hasQueued(): boolean {
    for (const _ of this.nonEmptyQueues()) return true;
    return false;
  }
}
