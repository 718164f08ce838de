export { TransactionCoordinator, type TransactionCoordinatorOptions } from './transaction-coordinator.js';
export type * from './api-types.js';
export {
  type TransactionCoordinatorConfig,
  DEFAULT_TRANSACTION_COORDINATOR_CONFIG,
  TRANSACTION_COORDINATOR_CONFIG_KEYS,
  resolveTransactionCoordinatorConfig,
} from './config.js';
export { TransactionCoordinatorError, type TransactionCoordinatorErrorKind } from './errors.js';
export { type TxnMarker, type TxnMarkerPartitionResult, type TxnMarkerWriter } from './marker-writer.js';
export { type TopicPartition, TopicPartitionSet } from './topic-partition-set.js';
export { TRANSACTION_STATE_TOPIC_NAME, type TransactionLog, type TransactionLogRecord } from './transaction-log.js';
export {
  type TransactionLogKey,
  type TransactionLogValue,
  TRANSACTION_LOG_KEY_VERSION,
  TRANSACTION_LOG_VALUE_VERSION,
  decodeTransactionLogKey,
  decodeTransactionLogValue,
  encodeTransactionLogKey,
  encodeTransactionLogValue,
} from './transaction-log-records.js';
export { type TxnState, TXN_STATES, TXN_STATE_IDS } from './transaction-state.js';
// The broker's binding.
export { TransactionCoordinatorService, type TransactionCoordinatorServiceOptions } from './transaction-coordinator-service.js';
export { StorageTransactionLog } from './storage-transaction-log.js';
export { ensureTransactionStateTopic, transactionStateTopicConfigs, type TransactionStateTopicSettings } from './transaction-state-topic.js';
export { transactionCoordinatorConfigFrom, transactionStateTopicSettingsFrom } from './broker-transaction-config.js';
