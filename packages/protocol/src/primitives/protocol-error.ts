/**
 * Why a byte sequence could not be decoded (or a value could not be encoded).
 * Every decoder in this package reports malformed input with a ProtocolError carrying one of these
 * kinds, never with a RangeError or an out-of-bounds read, so callers can close one connection or
 * drop one batch without guessing what went wrong.
 */
export type ProtocolErrorKind =
  | 'TRUNCATED' // fewer bytes than a field or a declared length needs
  | 'INVALID_LENGTH' // a negative, oversized or otherwise impossible length or count
  | 'VARINT_TOO_LONG' // a varint with more continuation bytes than its type allows
  | 'CORRUPT_CRC' // a record batch whose CRC-32C does not match its contents
  | 'UNKNOWN_CODEC' // a compression codec id that Kafka does not define
  | 'COMPRESSION_ERROR' // a compressed payload that does not decompress
  | 'UNSUPPORTED_VERSION' // an API key, API version or magic byte this codec does not handle
  | 'LEGACY_MESSAGE_FORMAT' // magic 0/1 message sets, refused on purpose
  | 'FRAME_TOO_LARGE' // a size prefix above the configured maximum
  | 'TRAILING_BYTES' // bytes left over after a complete message
  | 'INVALID_VALUE'; // a value outside what the field's type can hold

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';

  constructor(
    readonly kind: ProtocolErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export function isProtocolError(err: unknown): err is ProtocolError {
  return err instanceof ProtocolError;
}
