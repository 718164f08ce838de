/**
 * Kafka errors the producer-state checks raise, with Kafka's numeric codes
 * (org.apache.kafka.common.protocol.Errors) so the broker can return them unchanged.
 */
export const ProducerStateErrorCodes = {
  /** A sequence gap, or a new epoch that does not start at sequence 0. */
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  /** A batch from an older producer epoch (Kafka 2.7+ returns this instead of PRODUCER_FENCED here). */
  INVALID_PRODUCER_EPOCH: 47,
  /** A non-transactional write while the producer has a transaction open on this partition. */
  INVALID_TXN_STATE: 48,
  /** A transaction marker from a coordinator epoch older than one already seen. */
  TRANSACTION_COORDINATOR_FENCED: 52,
  /** An idempotent batch without a sequence, or a control batch that is not a transaction marker. */
  INVALID_RECORD: 87,
} as const;

export type ProducerStateErrorCode = keyof typeof ProducerStateErrorCodes;

/** Why a batch from an idempotent or transactional producer was refused. None is retriable. */
export class ProducerStateError extends Error {
  override readonly name = 'ProducerStateError';
  readonly retriable = false;

  constructor(
    /** Kafka's error name, e.g. OUT_OF_ORDER_SEQUENCE_NUMBER. */
    readonly code: ProducerStateErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** Kafka's numeric error code for the wire. */
  get errorCode(): number {
    return ProducerStateErrorCodes[this.code];
  }
}
