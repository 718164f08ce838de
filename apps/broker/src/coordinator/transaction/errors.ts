/**
 * Failures of the transaction coordinator itself (as opposed to Kafka error codes, which go back to
 * clients in results): a configuration that cannot work, a record of __transaction_state that
 * cannot be decoded, or a broken internal invariant.
 */
export type TransactionCoordinatorErrorKind =
  | 'INVALID_CONFIG' // a setting outside what Kafka accepts
  | 'CORRUPT_RECORD' // a __transaction_state record whose key or value does not decode
  | 'ILLEGAL_STATE'; // an internal invariant was violated (a bug, never client input)

export class TransactionCoordinatorError extends Error {
  override readonly name = 'TransactionCoordinatorError';

  constructor(
    readonly kind: TransactionCoordinatorErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
