import { ATTR_COMPRESSION_MASK, ATTR_TRANSACTIONAL, BatchLayout, CompressionType, ErrorCode } from '@tributary/protocol';
import type { PartitionError } from './partition-error.js';

/** Smallest batchLength a batch can declare: its header up to and including the magic byte. */
const MIN_DECLARED_LENGTH = BatchLayout.MAGIC + 1 - BatchLayout.LOG_OVERHEAD;

/**
 * The per-partition checks Kafka makes on a Produce request's records before anything reaches the
 * log (ProduceRequest.validateRecords), from the batch header alone:
 *  - v3+ carries exactly one record batch per partition, of magic 2 (INVALID_RECORD);
 *  - zstd needs v7+ (UNSUPPORTED_COMPRESSION_TYPE);
 *  - transactional batches are refused with INVALID_TXN_STATE, Kafka's answer (with transaction
 *    verification) for a partition not added to an ongoing transaction: without a transaction
 *    coordinator no transaction can be ongoing, and accepting the batch would leave a transaction
 *    open in the log with nothing to ever commit or abort it.
 * Framing the storage layer checks anyway (CRC, header fields) is left to it (CORRUPT_MESSAGE).
 */
export function checkProduceRecords(version: number, records: Buffer | null): PartitionError | undefined {
  const buf = records ?? Buffer.alloc(0);
  // Kafka's batch iterator stops (no batch) at a tail shorter than a length prefix or than it declares.
  const first = batchSpan(buf, 0);
  if (first === undefined) {
    return invalid(`Produce requests with version ${version} must have at least one record batch per partition`);
  }
  if (first.declared < MIN_DECLARED_LENGTH) {
    return { errorCode: ErrorCode.CORRUPT_MESSAGE, message: `Record batch length ${first.declared} is below the minimum record batch overhead` };
  }
  const magic = buf.readInt8(BatchLayout.MAGIC);
  if (magic !== 2) {
    return invalid(`Produce requests with version ${version} are only allowed to contain record batches with magic version 2`);
  }
  if (first.size >= BatchLayout.HEADER_SIZE) {
    const attributes = buf.readInt16BE(BatchLayout.ATTRIBUTES);
    if (version < 7 && (attributes & ATTR_COMPRESSION_MASK) === CompressionType.Zstd) {
      return {
        errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
        message: `Produce requests with version ${version} are not allowed to use ZStandard compression`,
      };
    }
    if ((attributes & ATTR_TRANSACTIONAL) !== 0) {
      return {
        errorCode: ErrorCode.INVALID_TXN_STATE,
        message: 'Transactional records are not supported by this broker yet: there is no transaction coordinator, so the partition is not part of an ongoing transaction',
      };
    }
  }
  if (batchSpan(buf, first.size) !== undefined) {
    return invalid(`Produce requests with version ${version} are only allowed to contain exactly one record batch per partition`);
  }
  return undefined;
}

/** The batch starting at `pos` if its length prefix and declared bytes are all there. */
function batchSpan(buf: Buffer, pos: number): { declared: number; size: number } | undefined {
  if (buf.length - pos < BatchLayout.LOG_OVERHEAD) return undefined;
  const declared = buf.readInt32BE(pos + BatchLayout.BATCH_LENGTH);
  const size = declared + BatchLayout.LOG_OVERHEAD;
  if (declared >= MIN_DECLARED_LENGTH && size > buf.length - pos) return undefined;
  return { declared, size };
}

function invalid(message: string): PartitionError {
  return { errorCode: ErrorCode.INVALID_RECORD, message };
}
