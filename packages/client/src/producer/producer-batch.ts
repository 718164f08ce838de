import type { RecordInput } from '@tributary/protocol';
import { BatchLayout } from '@tributary/protocol';

/** What the broker said about a batch it appended. */
export interface BatchResult {
  /** Offset of the batch's first record; -1 when unknown (acks=0, or a duplicate the broker dropped). */
  baseOffset: bigint;
  /** The broker's append time when the topic uses LogAppendTime, else -1. */
  logAppendTime: bigint;
}

const noop = () => undefined;

/**
 * Records for one partition that travel together as one record batch. Appended to until full
 * (batch.size) or lingered long enough, then encoded once and sent; a retry resends the same bytes
 * (same producer id, epoch and sequence), which is what lets the broker drop duplicates.
 */
export class ProducerBatch {
  readonly records: RecordInput[] = [];
  /** Estimated encoded size (uncompressed), for batch.size and buffer.memory accounting. */
  sizeInBytes = BatchLayout.HEADER_SIZE;
  /** No more records may be appended (full, or drained). */
  closed = false;
  /** Send attempts so far. */
  attempts = 0;
  /** Not to be resent before this time (retry backoff). */
  retryAt = 0;
  /** Idempotence: assigned when first drained, kept for every retry. -1: none yet. */
  baseSequence = -1;
  producerId = -1n;
  producerEpoch = -1;
  /** Encoded batch, kept for retries while id, epoch and sequence stay the same. */
  encoded: Buffer | null = null;
  inFlight = false;
  private settled = false;
  private resolveFn: ((r: BatchResult) => void) | null = null;
  private rejectFn: ((err: unknown) => void) | null = null;
  private promiseValue: Promise<BatchResult> | null = null;
  private result: { ok: true; value: BatchResult } | { ok: false; error: unknown } | null = null;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly createdAt: number,
  ) {}

  get recordCount(): number {
    return this.records.length;
  }

  get isDone(): boolean {
    return this.settled;
  }

  /**
   * Settles when the broker acknowledged (or the producer gave up on) the batch. Created on first
   * use, so fire-and-forget batches nobody awaits cost no promise; marked handled so an ignored
   * failure is not an unhandled rejection (it is reported to the producer's error listeners).
   */
  get promise(): Promise<BatchResult> {
    if (this.promiseValue === null) {
      if (this.result !== null) {
        this.promiseValue = this.result.ok ? Promise.resolve(this.result.value) : Promise.reject(this.result.error);
      } else {
        this.promiseValue = new Promise<BatchResult>((resolve, reject) => {
          this.resolveFn = resolve;
          this.rejectFn = reject;
        });
      }
      this.promiseValue.catch(noop);
    }
    return this.promiseValue;
  }

  append(record: RecordInput, size: number): number {
    this.records.push(record);
    this.sizeInBytes += size;
    return this.records.length - 1;
  }

  complete(result: BatchResult): void {
    if (this.settled) return;
    this.settled = true;
    this.result = { ok: true, value: result };
    this.resolveFn?.(result);
  }

  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.result = { ok: false, error };
    this.rejectFn?.(error);
  }
}
