import { NamedKafkaError } from '../errors/named-kafka-error.js';
import { isStorageError } from '@tributary/storage';
import { isMetadataError } from './metadata-error.js';

/** Kafka error names the admin plane (topics, partitions, configs) reports per topic or resource. */
export type AdminErrorName =
  | 'INVALID_TOPIC_EXCEPTION'
  | 'TOPIC_ALREADY_EXISTS'
  | 'UNKNOWN_TOPIC_OR_PARTITION'
  | 'UNKNOWN_TOPIC_ID'
  | 'INVALID_PARTITIONS'
  | 'INVALID_REPLICATION_FACTOR'
  | 'INVALID_REPLICA_ASSIGNMENT'
  | 'INVALID_CONFIG'
  | 'INVALID_REQUEST'
  | 'TOPIC_DELETION_DISABLED'
  | 'POLICY_VIOLATION'
  | 'KAFKA_STORAGE_ERROR'
  | 'UNKNOWN_SERVER_ERROR';

/**
 * A refused admin operation: the Kafka error name plus a message for the client (Kafka's ApiError).
 * TopicManager and ConfigAdmin throw it; handlers put `errorCode` and `message` in the per-topic or
 * per-resource result, so one bad topic never fails the others in the same request.
 */
export class AdminError extends NamedKafkaError<AdminErrorName> {
  override readonly name = 'AdminError';
}

export function isAdminError(err: unknown, code?: AdminErrorName): err is AdminError {
  return err instanceof AdminError && (code === undefined || err.code === code);
}

/**
 * The AdminError for anything an admin operation threw: metadata-store and storage errors keep
 * their Kafka code (a bad topic config is INVALID_CONFIG with storage's message naming the key);
 * anything else is a bug, reported as UNKNOWN_SERVER_ERROR without leaking internals.
 */
export function toAdminError(err: unknown): AdminError {
  if (err instanceof AdminError) return err;
  if (isMetadataError(err)) {
    const code = err.code === 'INCONSISTENT_CLUSTER_ID' ? 'UNKNOWN_SERVER_ERROR' : err.code;
    return new AdminError(code, err.message, { cause: err });
  }
  if (isStorageError(err, 'INVALID_CONFIG')) return new AdminError('INVALID_CONFIG', err.message, { cause: err });
  if (isStorageError(err, 'KAFKA_STORAGE_ERROR')) return new AdminError('KAFKA_STORAGE_ERROR', err.message, { cause: err });
  return new AdminError('UNKNOWN_SERVER_ERROR', 'unexpected error; see the broker log', { cause: err });
}
