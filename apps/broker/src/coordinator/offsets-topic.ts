import type { TopicMetadata } from '../controller/metadata-store.js';
import type { TopicManager } from '../controller/topic-manager.js';
import { GROUP_METADATA_TOPIC_NAME } from './group/coordinator-log.js';
import { ensureInternalTopic } from './internal-topic.js';

/**
 * The topic-level settings Kafka gives __consumer_offsets (GroupMetadataManager.offsetsTopicConfigs):
 * compacted, so only the latest commit per key and the latest metadata per group survive;
 * 100 MiB segments (offsets.topic.segment.bytes) so a restart replays little; batches stored as the
 * coordinator wrote them.
 */
export const OFFSETS_TOPIC_CONFIGS: Readonly<Record<string, string>> = Object.freeze({
  'cleanup.policy': 'compact',
  'segment.bytes': String(100 * 1024 * 1024),
  'compression.type': 'producer',
});

/**
 * Makes sure __consumer_offsets exists with `numPartitions` partitions and `replicationFactor`
 * replicas each (offsets.topic.replication.factor).
 */
export function ensureOffsetsTopic(topics: TopicManager, numPartitions: number, replicationFactor: number): Promise<TopicMetadata> {
  return ensureInternalTopic(topics, { name: GROUP_METADATA_TOPIC_NAME, numPartitions, replicationFactor, configs: OFFSETS_TOPIC_CONFIGS });
}
