import { decodeRecordBatches, encodeRecordBatchSync, ErrorCode, KafkaError } from '@tributary/protocol';
import { isStorageError, type Log, type LogManager } from '@tributary/storage';
import type { ReplicaManager } from '../../replica/replica-manager.js';
import type { Clock } from '../../services.js';
import { TransactionCoordinatorError } from './errors.js';
import { TRANSACTION_STATE_TOPIC_NAME, type TransactionLog, type TransactionLogRecord } from './transaction-log.js';

/** How much of a partition one read takes while replaying it. */
const READ_CHUNK_BYTES = 1024 * 1024;

/** Where the batches of __transaction_state go and are read back from. */
export interface TransactionStatePartitions {
  /** Appends one record batch as the coordinator (acks=all); rejects with an error carrying the Kafka error code. */
  append(partition: number, batch: Buffer): Promise<void>;
  /** This broker's log of the partition, if it has one. */
  log(partition: number): Log | undefined;
}

/**
 * The broker's path: appends go through the ReplicaManager like any leader append (leader epoch
 * stamped, min.insync.replicas checked, waiting fetches woken); reads come from the local log.
 */
export function replicatedTransactionStatePartitions(replicaManager: ReplicaManager, logManager: LogManager): TransactionStatePartitions {
  return {
    async append(partition, batch) {
      const [result] = await replicaManager.appendRecords({
        acks: -1,
        origin: 'coordinator',
        entries: [{ topic: TRANSACTION_STATE_TOPIC_NAME, partition, records: batch }],
      });
      if (result && result.errorCode !== ErrorCode.NONE) throw new KafkaError(result.errorCode, result.errorMessage ?? undefined);
    },
    log: (partition) => logManager.getLog(TRANSACTION_STATE_TOPIC_NAME, partition),
  };
}

/**
 * __transaction_state on the broker's own storage: each append is one uncompressed record batch
 * (Kafka enforces no compression for this topic), appends to a partition are chained so they reach
 * the log in call order, and a load replays the partition's log from its start.
 */
export class StorageTransactionLog implements TransactionLog {
  private readonly tails = new Map<number, Promise<void>>();
  private closed = false;

  constructor(
    private readonly partitions: TransactionStatePartitions,
    private readonly clock: Clock,
  ) {}

  append(partition: number, records: readonly TransactionLogRecord[]): Promise<void> {
    const now = BigInt(this.clock.now());
    const batch = encodeRecordBatchSync({ records: records.map((r) => ({ key: r.key, value: r.value, timestamp: now })) });
    const previous = this.tails.get(partition) ?? Promise.resolve();
    const written = previous.then(() => this.partitions.append(partition, batch));
    // The next append waits for this one whatever its outcome; its failure belongs to its caller.
    const tail = written.catch(() => undefined);
    this.tails.set(partition, tail);
    void tail.then(() => {
      if (this.tails.get(partition) === tail) this.tails.delete(partition);
    });
    return written;
  }

  async *readAll(partition: number): AsyncIterable<TransactionLogRecord> {
    const log = this.partitions.log(partition);
    if (!log) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${TRANSACTION_STATE_TOPIC_NAME}-${partition} is not hosted by this broker`);
    let offset = log.logStartOffset;
    while (!this.closed && offset < log.logEndOffset) {
      let chunk;
      try {
        chunk = await log.read(offset, READ_CHUNK_BYTES);
      } catch (err) {
        // Retention or the cleaner moved the log start past us meanwhile: go on from the new start.
        if (isStorageError(err, 'OFFSET_OUT_OF_RANGE') && log.logStartOffset > offset) {
          offset = log.logStartOffset;
          continue;
        }
        throw err;
      }
      if (chunk.batchCount === 0) break;
      let batches;
      try {
        batches = await decodeRecordBatches(chunk.records);
      } catch (err) {
        throw new TransactionCoordinatorError('CORRUPT_RECORD', `${TRANSACTION_STATE_TOPIC_NAME}-${partition}: undecodable record batch at offset ${chunk.firstOffset}`, { cause: err });
      }
      for (const batch of batches) {
        if (batch.isControl) continue;
        for (const record of batch.records) {
          if (record.offset < BigInt(offset)) continue;
          if (record.key === null) {
            throw new TransactionCoordinatorError('CORRUPT_RECORD', `${TRANSACTION_STATE_TOPIC_NAME}-${partition}: record at offset ${record.offset} has no key`);
          }
          yield { key: record.key, value: record.value };
        }
      }
      offset = chunk.nextOffset;
    }
  }

  /** Waits for every queued append; replays in progress stop at their next chunk. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.tails.values()]);
  }
}
