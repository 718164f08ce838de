import { ProtocolError } from '@tributary/protocol';

/**
 * Kafka error names the storage layer reports, with Kafka's numeric error codes so the broker can put
 * them on the wire unchanged. Names and numbers are Apache Kafka's (org.apache.kafka.common.protocol.Errors).
 */
export const StorageErrorCodes = {
  UNKNOWN_SERVER_ERROR: -1,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  MESSAGE_TOO_LARGE: 10,
  RECORD_LIST_TOO_LARGE: 18,
  INVALID_TIMESTAMP: 32,
  INVALID_CONFIG: 40,
  INVALID_REQUEST: 42,
  UNSUPPORTED_FOR_MESSAGE_FORMAT: 43,
  KAFKA_STORAGE_ERROR: 56,
  LOG_DIR_NOT_FOUND: 57,
  INVALID_RECORD: 87,
} as const;

export type StorageErrorCode = keyof typeof StorageErrorCodes;

/** Kafka marks these retriable: a client may retry the same request. */
const RETRIABLE: ReadonlySet<StorageErrorCode> = new Set<StorageErrorCode>([
  'CORRUPT_MESSAGE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'KAFKA_STORAGE_ERROR',
]);

/** The one error type the storage package throws for anything a caller may need to act on. */
export class StorageError extends Error {
  override readonly name = 'StorageError';

  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Kafka's numeric error code for the wire. */
  get errorCode(): number {
    return StorageErrorCodes[this.code];
  }

  get retriable(): boolean {
    return RETRIABLE.has(this.code);
  }
}

export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}

/** Node fs errors carry an errno code such as ENOSPC or EIO. */
export function isFsError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && !(err instanceof StorageError);
}

/** Wraps a failed disk operation as KAFKA_STORAGE_ERROR, keeping the original as the cause. */
export function storageFailure(what: string, err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const code = isFsError(err) ? err.code : undefined;
  const detail = err instanceof Error ? err.message : String(err);
  return new StorageError('KAFKA_STORAGE_ERROR', `${what} failed${code ? ` (${code})` : ''}: ${detail}`, { cause: err });
}

/** Maps a batch-header validation failure from the protocol package to Kafka's produce errors. */
export function fromProtocolError(err: unknown, where: string): StorageError {
  if (!(err instanceof ProtocolError)) {
    return new StorageError('CORRUPT_MESSAGE', `${where}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  switch (err.kind) {
    case 'LEGACY_MESSAGE_FORMAT':
      return new StorageError('UNSUPPORTED_FOR_MESSAGE_FORMAT', `${where}: ${err.message}`, { cause: err });
    case 'UNKNOWN_CODEC':
    case 'UNSUPPORTED_VERSION':
    case 'INVALID_VALUE':
      return new StorageError('INVALID_RECORD', `${where}: ${err.message}`, { cause: err });
    default:
      // CORRUPT_CRC, TRUNCATED, INVALID_LENGTH: Kafka's CorruptRecordException.
      return new StorageError('CORRUPT_MESSAGE', `${where}: ${err.message}`, { cause: err });
  }
}
