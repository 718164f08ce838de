import type { BrokerConfig } from '../../config/broker-config.js';
import type { TransactionCoordinatorConfig } from './config.js';
import type { TransactionStateTopicSettings } from './transaction-state-topic.js';

/** The coordinator settings, read from the broker configuration by their Kafka keys. */
export function transactionCoordinatorConfigFrom(config: BrokerConfig): Partial<TransactionCoordinatorConfig> {
  return {
    transactionStateLogNumPartitions: config.get('transaction.state.log.num.partitions'),
    transactionMaxTimeoutMs: config.get('transaction.max.timeout.ms'),
    transactionalIdExpirationMs: config.get('transactional.id.expiration.ms'),
    abortTimedOutTransactionsIntervalMs: config.get('transaction.abort.timed.out.transaction.cleanup.interval.ms'),
    removeExpiredTransactionalIdsIntervalMs: config.get('transaction.remove.expired.transaction.cleanup.interval.ms'),
  };
}

/** How __transaction_state is created, from the broker configuration. */
export function transactionStateTopicSettingsFrom(config: BrokerConfig, numPartitions: number): TransactionStateTopicSettings {
  return {
    numPartitions,
    replicationFactor: config.get('transaction.state.log.replication.factor'),
    minInsyncReplicas: config.get('transaction.state.log.min.isr'),
    segmentBytes: config.get('transaction.state.log.segment.bytes'),
  };
}
