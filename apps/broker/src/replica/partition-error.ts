import { ErrorCode, isProtocolError } from '@tributary/protocol';
import { ProducerStateError, StorageError } from '@tributary/storage';
import { MetadataError } from '../controller/metadata-error.js';

/** A Kafka error code for one partition, with the message Kafka would put beside it (v8+ produce). */
export interface PartitionError {
  readonly errorCode: number;
  readonly message: string;
}

/**
 * Maps what storage, producer state and the metadata store throw to Kafka error codes (Kafka's
 * Errors.forException). They all carry Kafka's numeric code already; anything else is a bug, which
 * the caller logs and reports as UNKNOWN_SERVER_ERROR.
 */
export function partitionErrorOf(err: unknown): PartitionError | undefined {
  if (err instanceof StorageError || err instanceof ProducerStateError || err instanceof MetadataError) {
    return { errorCode: err.errorCode, message: err.message };
  }
  // A record batch the protocol layer refuses (framing, CRC) is the client's corrupt message.
  if (isProtocolError(err)) return { errorCode: ErrorCode.CORRUPT_MESSAGE, message: err.message };
  return undefined;
}

/** A refusal the replica layer itself decides (no storage involved). */
export class ReplicaError extends Error {
  override readonly name = 'ReplicaError';

  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** partitionErrorOf plus the replica layer's own refusals. */
export function knownErrorOf(err: unknown): PartitionError | undefined {
  if (err instanceof ReplicaError) return { errorCode: err.errorCode, message: err.message };
  return partitionErrorOf(err);
}
