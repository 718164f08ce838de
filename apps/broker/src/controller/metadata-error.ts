import { NamedKafkaError } from '../errors/named-kafka-error.js';

/** Kafka error names the metadata store reports; handlers put `errorCode` on the wire unchanged. */
export type MetadataErrorName =
  | 'TOPIC_ALREADY_EXISTS'
  | 'INVALID_TOPIC_EXCEPTION'
  | 'INVALID_PARTITIONS'
  | 'INVALID_REPLICA_ASSIGNMENT'
  | 'UNKNOWN_TOPIC_OR_PARTITION'
  | 'INCONSISTENT_CLUSTER_ID'
  | 'KAFKA_STORAGE_ERROR';

export class MetadataError extends NamedKafkaError<MetadataErrorName> {
  override readonly name = 'MetadataError';
}

export function isMetadataError(err: unknown, code?: MetadataErrorName): err is MetadataError {
  return err instanceof MetadataError && (code === undefined || err.code === code);
}
