import { ATTR_COMPRESSION_MASK, ATTR_TRANSACTIONAL, BatchLayout, CompressionType, ErrorCode, errorInfo } from '@tributary/protocol';
import { ReplicaError, type PartitionError } from './partition-error.js';

/** Smallest batchLength a batch can declare: its header up to and including the magic byte. */
const MIN_DECLARED_LENGTH = BatchLayout.MAGIC + 1 - BatchLayout.LOG_OVERHEAD;

/** The transaction coordinator's answer for a transactional batch (TransactionCoordinator.verifyTransactionalProduce). */
export interface TransactionalBatchVerifier {
  verifyTransactionalProduce(producerId: number, producerEpoch: number, topic: string, partition: number): number;
}

/** The partition a Produce entry is for, and who to ask about its transactional batches. */
export interface ProduceTarget {
  readonly topic: string;
  readonly partition: number;
  readonly transactions: TransactionalBatchVerifier;
}

/** Produce v11 is the first to understand TRANSACTION_ABORTABLE (KIP-890). */
const FIRST_TRANSACTION_ABORTABLE_VERSION = 11;

/**
 * The per-partition checks Kafka makes on a Produce request's records before anything reaches the
 * log (ProduceRequest.validateRecords), from the batch header alone:
 *  - v3+ carries exactly one record batch per partition, of magic 2 (INVALID_RECORD);
 *  - zstd needs v7+ (UNSUPPORTED_COMPRESSION_TYPE);
 *  - a transactional batch must belong to an ongoing transaction of its producer's current epoch
 *    that contains the partition (Kafka 3.6+'s transaction verification, asked of the coordinator
 *    on this node in O(1)); otherwise the coordinator's error as Kafka returns it for the request
 *    version. Without `target` (no coordinator) transactional batches are refused with
 *    INVALID_TXN_STATE: nothing could ever commit or abort them.
 * Framing the storage layer checks anyway (CRC, header fields) is left to it (CORRUPT_MESSAGE).
 */
export function checkProduceRecords(version: number, records: Buffer | null, target?: ProduceTarget): PartitionError | undefined {
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
  }
  if (batchSpan(buf, first.size) !== undefined) {
    return invalid(`Produce requests with version ${version} are only allowed to contain exactly one record batch per partition`);
  }
  if (first.size >= BatchLayout.HEADER_SIZE && (buf.readInt16BE(BatchLayout.ATTRIBUTES) & ATTR_TRANSACTIONAL) !== 0) {
    return checkTransactional(version, buf, target);
  }
  return undefined;
}

/**
 * Kafka verifies a transactional batch with its coordinator and translates the answer for
 * producers that predate KIP-890 (ReplicaManager.handleProduceAppend, AddPartitionsToTxnManager):
 * PRODUCER_FENCED becomes INVALID_PRODUCER_EPOCH, a partition not in the transaction
 * (TRANSACTION_ABORTABLE) INVALID_TXN_STATE below v11, and a coordinator that cannot answer yet
 * NOT_ENOUGH_REPLICAS, which every producer retries without refreshing metadata. A batch without
 * a producer id is left to storage, which refuses it.
 */
function checkTransactional(version: number, buf: Buffer, target: ProduceTarget | undefined): PartitionError | undefined {
  if (!target) {
    return { errorCode: ErrorCode.INVALID_TXN_STATE, message: 'Transactional records cannot be verified: this broker has no transaction coordinator' };
  }
  const producerId = Number(buf.readBigInt64BE(BatchLayout.PRODUCER_ID));
  if (producerId < 0) return undefined;
  const producerEpoch = buf.readInt16BE(BatchLayout.PRODUCER_EPOCH);
  const error = target.transactions.verifyTransactionalProduce(producerId, producerEpoch, target.topic, target.partition);
  switch (error) {
    case ErrorCode.NONE:
      return undefined;
    case ErrorCode.TRANSACTION_ABORTABLE:
      if (version >= FIRST_TRANSACTION_ABORTABLE_VERSION) return { errorCode: error, message: 'Partition was not added to the transaction' };
      return { errorCode: ErrorCode.INVALID_TXN_STATE, message: 'Partition was not added to the transaction' };
    case ErrorCode.PRODUCER_FENCED:
      return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: `Producer epoch ${producerEpoch} of producer ${producerId} is not the current epoch of its transactional id` };
    case ErrorCode.CONCURRENT_TRANSACTIONS:
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.NOT_COORDINATOR:
    case ErrorCode.NETWORK_EXCEPTION:
      return {
        errorCode: ErrorCode.NOT_ENOUGH_REPLICAS,
        message: `Unable to verify the partition has been added to the transaction. Underlying error: ${errorInfo(error).name}`,
      };
    default:
      return { errorCode: error, message: `Transactional batch of producer ${producerId} refused by its transaction coordinator` };
  }
}

/**
 * For a Produce entry whose batch is transactional (and passed checkProduceRecords): the same
 * verification again, to run as the log's beforeWrite hook. Between the handler's check and the
 * write there are awaits, in which EndTxn may write the transaction's markers; a batch appended
 * after its marker would open a transaction nothing ever ends, holding the last stable offset
 * back for good (Kafka's hanging transaction, KIP-890). Checked again at the moment of the write,
 * such a batch is refused instead; a marker written after the check lands after the batch.
 * Undefined for a non-transactional entry.
 */
export function transactionalWriteCheck(version: number, records: Buffer, target: ProduceTarget): (() => void) | undefined {
  if (records.length < BatchLayout.HEADER_SIZE || (records.readInt16BE(BatchLayout.ATTRIBUTES) & ATTR_TRANSACTIONAL) === 0) return undefined;
  return () => {
    const problem = checkTransactional(version, records, target);
    if (problem) throw new ReplicaError(problem.errorCode, problem.message);
  };
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
