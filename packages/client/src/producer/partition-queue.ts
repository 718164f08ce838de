import type { ProducerBatch } from './producer-batch.js';

/**
 * The batches waiting for one partition, oldest first, plus the partition's idempotence state:
 * the next sequence number to hand out and the last one the broker acknowledged.
 */
export class PartitionQueue {
  readonly batches: ProducerBatch[] = [];
  /** Batches of this partition in requests awaiting a response. */
  inFlight = 0;
  nextSequence = 0;
  lastAckedSequence = -1;
  /**
   * A batch of this partition failed and waits to be resent: until it is through, at most one batch
   * of the partition is in flight, so retried batches reach the broker in sequence order.
   */
  retrying = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  get head(): ProducerBatch | undefined {
    return this.batches[0];
  }
}
