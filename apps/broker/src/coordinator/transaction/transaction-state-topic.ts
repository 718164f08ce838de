import { AdminError } from '../../controller/admin-error.js';
import type { TopicMetadata } from '../../controller/metadata-store.js';
import type { TopicManager } from '../../controller/topic-manager.js';
import { TRANSACTION_STATE_TOPIC_NAME } from './transaction-log.js';

export interface TransactionStateTopicSettings {
  /** transaction.state.log.num.partitions */
  readonly numPartitions: number;
  /** transaction.state.log.replication.factor */
  readonly replicationFactor: number;
  /** transaction.state.log.min.isr */
  readonly minInsyncReplicas: number;
  /** transaction.state.log.segment.bytes */
  readonly segmentBytes: number;
}

/**
 * The topic-level settings Kafka gives __transaction_state (TransactionStateManager
 * .transactionTopicConfigs): compacted (only each id's latest state matters), stored
 * uncompressed, no unclean leader election, its own min.insync.replicas and segment size.
 */
export function transactionStateTopicConfigs(s: TransactionStateTopicSettings): Record<string, string> {
  return {
    'cleanup.policy': 'compact',
    'compression.type': 'uncompressed',
    'unclean.leader.election.enable': 'false',
    'min.insync.replicas': String(s.minInsyncReplicas),
    'segment.bytes': String(s.segmentBytes),
  };
}

/**
 * Makes sure __transaction_state exists, creating it through the TopicManager (as Kafka does on
 * the first transaction coordinator lookup). A topic created meanwhile by someone else is used as
 * it is; a replication factor above the live brokers fails, and the coordinator stays unavailable.
 */
export async function ensureTransactionStateTopic(topics: TopicManager, s: TransactionStateTopicSettings): Promise<TopicMetadata> {
  const existing = await topics.getTopic(TRANSACTION_STATE_TOPIC_NAME);
  if (existing) return existing;
  try {
    await topics.createTopic({
      name: TRANSACTION_STATE_TOPIC_NAME,
      numPartitions: s.numPartitions,
      replicationFactor: s.replicationFactor,
      configs: transactionStateTopicConfigs(s),
    });
  } catch (err) {
    if (!(err instanceof AdminError && err.code === 'TOPIC_ALREADY_EXISTS')) throw err;
  }
  return topics.requireTopic(TRANSACTION_STATE_TOPIC_NAME);
}
