import { ErrorCode } from '@tributary/protocol';

/** Kafka error names the metadata store reports; handlers put `errorCode` on the wire unchanged. */
export type MetadataErrorName =
  | 'TOPIC_ALREADY_EXISTS'
  | 'INVALID_TOPIC_EXCEPTION'
  | 'INVALID_PARTITIONS'
  | 'INVALID_REPLICA_ASSIGNMENT'
  | 'UNKNOWN_TOPIC_OR_PARTITION'
  | 'INCONSISTENT_CLUSTER_ID'
  | 'KAFKA_STORAGE_ERROR';

export class MetadataError extends Error {
  override readonly name = 'MetadataError';

  constructor(
    readonly code: MetadataErrorName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get errorCode(): number {
    return ErrorCode[this.code];
  }
}

export function isMetadataError(err: unknown, code?: MetadataErrorName): err is MetadataError {
  return err instanceof MetadataError && (code === undefined || err.code === code);
}
