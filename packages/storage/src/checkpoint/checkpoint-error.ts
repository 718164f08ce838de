import { StorageError } from '../errors.js';

/**
 * A checkpoint file that exists but cannot be parsed. Kafka treats this as a storage failure of the
 * log dir (KafkaStorageException), so the code is KAFKA_STORAGE_ERROR; the file and the 1-based line
 * are kept so an operator can find the damage.
 */
export class CheckpointError extends StorageError {
  constructor(
    readonly path: string,
    readonly line: number | undefined,
    detail: string,
  ) {
    super('KAFKA_STORAGE_ERROR', `checkpoint file ${path}${line === undefined ? '' : ` line ${line}`}: ${detail}`);
  }
}
