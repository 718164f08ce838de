import type { TopicMetadata } from '../../controller/metadata-store.js';
import type { TopicManager } from '../../controller/topic-manager.js';
import { ensureInternalTopic } from '../internal-topic.js';
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

/** Makes sure __transaction_state exists, with Kafka's settings for it. */
export function ensureTransactionStateTopic(topics: TopicManager, s: TransactionStateTopicSettings): Promise<TopicMetadata> {
  return ensureInternalTopic(topics, {
    name: TRANSACTION_STATE_TOPIC_NAME,
    numPartitions: s.numPartitions,
    replicationFactor: s.replicationFactor,
    configs: transactionStateTopicConfigs(s),
  });
}
