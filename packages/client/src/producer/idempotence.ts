import { ErrorCode, isRetriable } from '@tributary/protocol';
import type { PartitionQueue } from './partition-queue.js';
import type { ProducerBatch } from './producer-batch.js';

const INT32_MAX = 0x7fffffff;

/** DefaultRecordBatch.incrementSequence: sequences wrap from Integer.MAX_VALUE to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > INT32_MAX - increment) return increment - (INT32_MAX - sequence) - 1;
  return sequence + increment;
}

/** Sequence of the batch's last record. */
export function lastSequence(batch: ProducerBatch): number {
  return incrementSequence(batch.baseSequence, batch.recordCount - 1);
}

/** The producer id and epoch the broker assigned (InitProducerId). */
export interface ProducerIdentity {
  producerId: bigint;
  producerEpoch: number;
}

/**
 * Gives a batch its sequence when it is first drained; a retry keeps the sequence it had, which is
 * how the broker recognises a resend of a batch it already appended.
 */
export function assignSequence(q: PartitionQueue, batch: ProducerBatch, identity: ProducerIdentity): void {
  if (batch.baseSequence >= 0 && batch.producerId === identity.producerId && batch.producerEpoch === identity.producerEpoch) return;
  batch.producerId = identity.producerId;
  batch.producerEpoch = identity.producerEpoch;
  batch.baseSequence = q.nextSequence;
  batch.encoded = null;
  q.nextSequence = incrementSequence(q.nextSequence, batch.recordCount);
}

/** Whether the head batch of an idempotent partition may be sent now. */
export function mayDrain(q: PartitionQueue, maxInFlightPerPartition: number): boolean {
  if (q.retrying) return q.inFlight === 0;
  return q.inFlight < maxInFlightPerPartition;
}

export function recordAck(q: PartitionQueue, batch: ProducerBatch): void {
  if (batch.baseSequence >= 0) {
    const last = lastSequence(batch);
    if (q.lastAckedSequence < 0 || isAfter(last, q.lastAckedSequence)) q.lastAckedSequence = last;
  }
  if (q.retrying && q.inFlight === 0 && !(q.head && q.head.attempts > 0)) q.retrying = false;
}

/** a comes after b in sequence order, allowing for one wrap-around. */
function isAfter(a: number, b: number): boolean {
  const diff = a - b;
  return diff > 0 ? diff < INT32_MAX / 2 : diff < -INT32_MAX / 2;
}

export type ProduceOutcome =
  /** Appended, or known to be appended already. */
  | 'success'
  /** Resend the same batch (same sequence). */
  | 'retry'
  /** Give up on this batch; the producer must get a new epoch before sequences make sense again. */
  | 'fail-and-reset'
  /** Give up on this batch. */
  | 'fail';

/**
 * What to do with a partition's answer to a batch, for an idempotent producer. The sequence errors
 * are retriable only in context: OUT_OF_ORDER_SEQUENCE_NUMBER for a batch that is not the next one
 * the broker expects means an earlier batch failed and will be resent first, so this one follows it;
 * for the next expected batch it means records were lost, and the epoch must be bumped (KIP-360).
 */
export function classifyIdempotent(q: PartitionQueue, batch: ProducerBatch, errorCode: number): ProduceOutcome {
  switch (errorCode) {
    case ErrorCode.NONE:
    case ErrorCode.DUPLICATE_SEQUENCE_NUMBER:
      return 'success';
    case ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER: {
      // Already acknowledged (the answer to an earlier attempt got lost): nothing to resend.
      if (q.lastAckedSequence >= 0 && !isAfter(lastSequence(batch), q.lastAckedSequence)) return 'success';
      const expected = incrementSequence(q.lastAckedSequence, 1);
      return batch.baseSequence !== expected ? 'retry' : 'fail-and-reset';
    }
    case ErrorCode.UNKNOWN_PRODUCER_ID:
    case ErrorCode.INVALID_PRODUCER_ID_MAPPING:
    case ErrorCode.INVALID_PRODUCER_EPOCH:
    case ErrorCode.PRODUCER_FENCED:
      return 'fail-and-reset';
    default:
      return isRetriable(errorCode) ? 'retry' : 'fail';
  }
}

/** After a new epoch: every partition starts again at sequence 0; unsent batches lose their old sequence. */
export function resetSequences(queues: Iterable<PartitionQueue>): void {
  for (const q of queues) {
    q.nextSequence = 0;
    q.lastAckedSequence = -1;
    q.retrying = false;
    for (const b of q.batches) {
      if (!b.inFlight) {
        b.baseSequence = -1;
        b.encoded = null;
      }
    }
  }
}
