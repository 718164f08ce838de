import type { OffsetsPartitions } from '../offsets-partitions.js';
import { StorageCoordinatorLog } from '../storage-coordinator-log.js';
import type { Clock } from '../../services.js';
import { TRANSACTION_STATE_TOPIC_NAME, type TransactionLog, type TransactionLogRecord } from './transaction-log.js';

/**
 * __transaction_state on the broker's own storage: the group coordinator's storage binding (one
 * uncompressed record batch per append, appends to a partition chained in call order, replay from
 * the log start) on the transaction coordinator's topic. That topic never holds transactional
 * batches or markers, so a replay yields its records only. Bind it with
 * `replicatedOffsetsPartitions(replicaManager, logManager, TRANSACTION_STATE_TOPIC_NAME)`.
 */
export class StorageTransactionLog implements TransactionLog {
  private readonly log: StorageCoordinatorLog;

  constructor(partitions: OffsetsPartitions, clock: Clock) {
    this.log = new StorageCoordinatorLog(partitions, clock, TRANSACTION_STATE_TOPIC_NAME);
  }

  append(partition: number, records: readonly TransactionLogRecord[]): Promise<void> {
    return this.log.append(partition, records);
  }

  async *readAll(partition: number): AsyncIterable<TransactionLogRecord> {
    for await (const entry of this.log.readAll(partition)) {
      if (entry.kind === 'records') yield* entry.records;
    }
  }

  /** Waits for every queued append; replays in progress stop at their next chunk. */
  close(): Promise<void> {
    return this.log.close();
  }
}
