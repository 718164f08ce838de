import { AdminError } from '../controller/admin-error.js';
import type { TopicMetadata } from '../controller/metadata-store.js';
import type { TopicManager } from '../controller/topic-manager.js';

export interface InternalTopicSpec {
  readonly name: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  readonly configs: Readonly<Record<string, string>>;
}

/**
 * Makes sure a coordinator's internal topic exists, creating it through the TopicManager (metadata
 * entry, then its logs) as Kafka does on the first coordinator lookup. A topic created meanwhile by
 * someone else is used as it is; a replication factor above the live brokers fails, as in Kafka,
 * and the coordinator stays unavailable.
 */
export async function ensureInternalTopic(topics: TopicManager, spec: InternalTopicSpec): Promise<TopicMetadata> {
  const existing = await topics.getTopic(spec.name);
  if (existing) return existing;
  try {
    await topics.createTopic({ ...spec });
  } catch (err) {
    if (!(err instanceof AdminError && err.code === 'TOPIC_ALREADY_EXISTS')) throw err;
  }
  return topics.requireTopic(spec.name);
}
