/**
 * Failures of the coordinator itself (as opposed to Kafka error codes, which go back to clients in
 * results): a configuration that cannot work, a record in __consumer_offsets that cannot be decoded,
 * or a broken internal invariant.
 */
export type GroupCoordinatorErrorKind =
  | 'INVALID_CONFIG' // a setting outside what Kafka accepts
  | 'INVALID_ARGUMENT' // a caller passed something the API does not allow
  | 'CORRUPT_RECORD' // a __consumer_offsets record whose key or value does not decode
  | 'ILLEGAL_STATE'; // an internal invariant was violated (a bug, never client input)

export class GroupCoordinatorError extends Error {
  override readonly name = 'GroupCoordinatorError';

  constructor(
    readonly kind: GroupCoordinatorErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
