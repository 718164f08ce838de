/**
 * What the broker remembers about one producer id on one partition (Kafka's ProducerStateEntry):
 * its epoch, the last few batches it wrote (to answer retries with the original offsets), the
 * coordinator epoch of its last transaction marker and the first offset of its open transaction.
 */

/** Kafka keeps this many batches per producer: a producer has at most 5 requests in flight. */
export const NUM_BATCHES_TO_RETAIN = 5;

export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;

export interface BatchMetadata {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** The batch's max timestamp. */
  readonly timestamp: number;
}

export class ProducerStateEntry {
  constructor(
    readonly producerId: number,
    public producerEpoch: number = NO_PRODUCER_EPOCH,
    public coordinatorEpoch = -1,
    public lastTimestamp = -1,
    /** First offset of the open transaction, or -1 when none is open. */
    public currentTxnFirstOffset = -1,
    /** Oldest first; at most NUM_BATCHES_TO_RETAIN. */
    public batches: BatchMetadata[] = [],
  ) {}

  get isEmpty(): boolean {
    return this.batches.length === 0;
  }

  get lastSeq(): number {
    return this.batches.length === 0 ? NO_SEQUENCE : this.batches[this.batches.length - 1]!.lastSeq;
  }

  /** Last offset of the producer's last data batch, or -1 when none is cached. */
  get lastDataOffset(): number {
    return this.batches.length === 0 ? -1 : this.batches[this.batches.length - 1]!.lastOffset;
  }

  /** A new epoch forgets the previous epoch's batches (their sequences restart at 0). */
  maybeUpdateEpoch(epoch: number): void {
    if (this.producerEpoch !== epoch) {
      this.batches = [];
      this.producerEpoch = epoch;
    }
  }

  addBatch(epoch: number, batch: BatchMetadata): void {
    this.maybeUpdateEpoch(epoch);
    if (this.batches.length === NUM_BATCHES_TO_RETAIN) this.batches.shift();
    this.batches.push(batch);
    this.lastTimestamp = batch.timestamp;
  }

  /** The cached batch with exactly this epoch and sequence range: a retry of an appended batch. */
  findDuplicate(epoch: number, firstSeq: number, lastSeq: number): BatchMetadata | undefined {
    if (epoch !== this.producerEpoch) return undefined;
    return this.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
  }

  clone(): ProducerStateEntry {
    return new ProducerStateEntry(this.producerId, this.producerEpoch, this.coordinatorEpoch, this.lastTimestamp, this.currentTxnFirstOffset, [...this.batches]);
  }
}
