import { TransactionCoordinatorError } from './errors.js';

/** The broker settings the transaction coordinator reads; defaults are Apache Kafka's. */
export interface TransactionCoordinatorConfig {
  /** transaction.state.log.num.partitions: partitions of __transaction_state. */
  readonly transactionStateLogNumPartitions: number;
  /** transaction.max.timeout.ms: longest transaction timeout a producer may ask for. */
  readonly transactionMaxTimeoutMs: number;
  /** transactional.id.expiration.ms: how long an idle transactional id is kept. */
  readonly transactionalIdExpirationMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms: how often timed-out transactions are aborted. */
  readonly abortTimedOutTransactionsIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms: how often expired transactional ids are removed. */
  readonly removeExpiredTransactionalIdsIntervalMs: number;
  /**
   * Not a Kafka setting: how long to wait before writing again the markers (or the completion
   * record) of a transaction whose write failed with a retriable error. Kafka's marker channel
   * retries on its sender thread's next round.
   */
  readonly markerRetryBackoffMs: number;
}

export const DEFAULT_TRANSACTION_COORDINATOR_CONFIG: TransactionCoordinatorConfig = Object.freeze({
  transactionStateLogNumPartitions: 50,
  transactionMaxTimeoutMs: 900_000,
  transactionalIdExpirationMs: 604_800_000,
  abortTimedOutTransactionsIntervalMs: 10_000,
  removeExpiredTransactionalIdsIntervalMs: 3_600_000,
  markerRetryBackoffMs: 100,
});

/** Kafka property name for each setting, for error messages. */
export const TRANSACTION_COORDINATOR_CONFIG_KEYS = {
  transactionStateLogNumPartitions: 'transaction.state.log.num.partitions',
  transactionMaxTimeoutMs: 'transaction.max.timeout.ms',
  transactionalIdExpirationMs: 'transactional.id.expiration.ms',
  abortTimedOutTransactionsIntervalMs: 'transaction.abort.timed.out.transaction.cleanup.interval.ms',
  removeExpiredTransactionalIdsIntervalMs: 'transaction.remove.expired.transaction.cleanup.interval.ms',
  markerRetryBackoffMs: 'markerRetryBackoffMs',
} as const satisfies Record<keyof TransactionCoordinatorConfig, string>;

/** Fills in Kafka's defaults and rejects values Kafka's config validation would reject (all at least 1). */
export function resolveTransactionCoordinatorConfig(overrides: Partial<TransactionCoordinatorConfig> = {}): TransactionCoordinatorConfig {
  const c: TransactionCoordinatorConfig = { ...DEFAULT_TRANSACTION_COORDINATOR_CONFIG, ...overrides };
  for (const key of Object.keys(TRANSACTION_COORDINATOR_CONFIG_KEYS) as Array<keyof TransactionCoordinatorConfig>) {
    const v = c[key];
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new TransactionCoordinatorError('INVALID_CONFIG', `${TRANSACTION_COORDINATOR_CONFIG_KEYS[key]} must be an integer >= 1, got ${v}`);
    }
  }
  return Object.freeze(c);
}
