import { resolveTransactionCoordinatorConfig } from '../config.js';
import { TopicPartitionSet, type TopicPartition } from '../topic-partition-set.js';
import { encodeTransactionLogKey, encodeTransactionLogValue } from '../transaction-log-records.js';
import type { TransactionLogRecord } from '../transaction-log.js';
import { TransactionStateManager } from '../transaction-state-manager.js';
import type { TxnState } from '../transaction-state.js';
import { START_MS, TEST_PARTITIONS } from './harness.js';

/** A __transaction_state record as an earlier run of the coordinator would have written it. */
export function stored(
  transactionalId: string,
  v: { producerId: number; producerEpoch: number; state: TxnState; partitions?: TopicPartition[]; timeoutMs?: number; startMs?: number; updateMs?: number },
): TransactionLogRecord {
  return {
    key: encodeTransactionLogKey(transactionalId),
    value: encodeTransactionLogValue({
      producerId: v.producerId,
      prevProducerId: v.producerId,
      producerEpoch: v.producerEpoch,
      lastProducerEpoch: -1,
      txnTimeoutMs: v.timeoutMs ?? 60_000,
      state: v.state,
      partitions: new TopicPartitionSet(v.partitions ?? []),
      txnStartTimestamp: v.startMs ?? (v.state === 'Empty' ? -1 : START_MS),
      txnLastUpdateTimestamp: v.updateMs ?? START_MS,
    }),
  };
}

/** partitionFor with the harness's partition count, without a coordinator. */
export class TransactionStateManagerProbe {
  private readonly manager = new TransactionStateManager(
    resolveTransactionCoordinatorConfig({ transactionStateLogNumPartitions: TEST_PARTITIONS }),
    { append: async () => undefined, readAll: async function* () {} },
    () => START_MS,
  );

  partitionFor(transactionalId: string): number {
    return this.manager.partitionFor(transactionalId);
  }
}
