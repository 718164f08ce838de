import { ProducerStateError } from './producer-state-error.js';
import { NO_PRODUCER_EPOCH, type ProducerStateEntry } from './producer-state-entry.js';

const INT32_MAX = 0x7fffffff;

/** Sequence numbers wrap from Int32.MAX to 0. */
export function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

/**
 * Kafka's ProducerAppendInfo.checkProducerEpoch for client and coordinator appends: a batch from an
 * epoch older than the producer's current one is refused.
 */
export function checkProducerEpoch(entry: ProducerStateEntry | undefined, producerId: number, epoch: number, offsetHint: string): void {
  const current = entry?.producerEpoch ?? NO_PRODUCER_EPOCH;
  if (epoch < current) {
    throw new ProducerStateError(
      'INVALID_PRODUCER_EPOCH',
      `epoch of producer ${producerId} ${offsetHint} is ${epoch}, which is smaller than the last seen epoch ${current}`,
    );
  }
}

/**
 * Kafka's ProducerAppendInfo.checkSequence (Kafka 3.x), for one client batch against the producer's
 * state after its last append:
 * - a producer with no known epoch (never seen, expired, or its records deleted) is accepted at any
 *   sequence, since its state may have been lost through retention;
 * - a known producer writing with a new epoch must start at sequence 0;
 * - otherwise the batch must continue right after the last cached sequence (wrapping at Int32.MAX);
 *   with no batch cached for the epoch (e.g. after a transaction marker bumped it), that means 0.
 */
export function checkSequence(entry: ProducerStateEntry | undefined, producerId: number, epoch: number, firstSeq: number): void {
  const currentEpoch = entry?.producerEpoch ?? NO_PRODUCER_EPOCH;
  if (epoch !== currentEpoch) {
    if (firstSeq !== 0 && currentEpoch !== NO_PRODUCER_EPOCH) {
      throw new ProducerStateError(
        'OUT_OF_ORDER_SEQUENCE_NUMBER',
        `invalid sequence number for new epoch of producer ${producerId}: ${epoch} (request epoch), ${firstSeq} (seq. number), ${currentEpoch} (current producer epoch)`,
      );
    }
    return;
  }
  // Same epoch as an unknown producer (a batch with epoch -1): nothing to check against.
  if (entry === undefined || currentEpoch === NO_PRODUCER_EPOCH) return;
  const lastSeq = entry.lastSeq;
  if (!inSequence(lastSeq, firstSeq)) {
    throw new ProducerStateError(
      'OUT_OF_ORDER_SEQUENCE_NUMBER',
      `out of order sequence number for producer ${producerId}: ${firstSeq} (incoming seq. number), ${lastSeq} (current end sequence number)`,
    );
  }
}
