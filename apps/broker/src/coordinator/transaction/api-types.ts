import type { TopicPartition } from './topic-partition-set.js';
import type { TxnState } from './transaction-state.js';

/**
 * The transaction coordinator's calls, independent of wire versions: the handlers map requests to
 * these and results back (including version-dependent error codes such as PRODUCER_FENCED, which
 * older versions report as INVALID_PRODUCER_EPOCH).
 */

export interface InitProducerIdRequest {
  readonly transactionalId: string;
  readonly transactionTimeoutMs: number;
  /** The producer's current id and epoch (InitProducerId v3+, KIP-360); -1 and -1 when it has none. */
  readonly producerId: number;
  readonly producerEpoch: number;
}

export interface InitProducerIdResult {
  readonly errorCode: number;
  /** -1 on error. */
  readonly producerId: number;
  /** -1 on error. */
  readonly producerEpoch: number;
}

export interface AddPartitionsRequest {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly partitions: readonly TopicPartition[];
}

export interface EndTxnRequest {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly commit: boolean;
}

export interface EndTxnResult {
  readonly errorCode: number;
  readonly producerId: number;
  readonly producerEpoch: number;
}

/** One id as DescribeTransactions reports it. */
export interface DescribedTransaction {
  readonly transactionalId: string;
  readonly errorCode: number;
  readonly state: TxnState | '';
  readonly transactionTimeoutMs: number;
  readonly transactionStartTimeMs: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly topics: ReadonlyArray<{ readonly topic: string; readonly partitions: readonly number[] }>;
}

export interface ListTransactionsRequest {
  /** State names to keep (all when empty); unknown names are reported back. */
  readonly stateFilters: readonly string[];
  /** Producer ids to keep (all when empty). */
  readonly producerIdFilters: readonly number[];
  /** Only transactions running longer than this (ms); -1 = no filter (ListTransactions v1). */
  readonly durationFilterMs: number;
}

/** Where new producer ids come from (the broker's ProducerIdManager). */
export interface ProducerIdSource {
  generateProducerId(): Promise<number>;
}
