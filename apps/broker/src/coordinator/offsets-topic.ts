import { AdminError } from '../controller/admin-error.js';
import type { TopicMetadata } from '../controller/metadata-store.js';
import type { TopicManager } from '../controller/topic-manager.js';
import { GROUP_METADATA_TOPIC_NAME } from './group/coordinator-log.js';

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
 * Makes sure __consumer_offsets exists, creating it through the TopicManager (metadata entry, then
 * its logs) with `numPartitions` partitions and `replicationFactor` replicas each
 * (offsets.topic.replication.factor: more than the live brokers fails, as in Kafka, and the
 * coordinator stays unavailable). A topic created meanwhile by someone else is used as it is.
 */
export async function ensureOffsetsTopic(topics: TopicManager, numPartitions: number, replicationFactor: number): Promise<TopicMetadata> {
  const existing = await topics.getTopic(GROUP_METADATA_TOPIC_NAME);
  if (existing) return existing;
  try {
    await topics.createTopic({ name: GROUP_METADATA_TOPIC_NAME, numPartitions, replicationFactor, configs: OFFSETS_TOPIC_CONFIGS });
  } catch (err) {
    if (!(err instanceof AdminError && err.code === 'TOPIC_ALREADY_EXISTS')) throw err;
  }
  return topics.requireTopic(GROUP_METADATA_TOPIC_NAME);
}
