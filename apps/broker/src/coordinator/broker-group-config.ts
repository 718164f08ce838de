import type { BrokerConfig } from '../config/broker-config.js';
import type { GroupCoordinatorConfig } from './group/config.js';

const MS_PER_MINUTE = 60_000;

/** The coordinator settings, read from the broker configuration by their Kafka keys. */
export function groupCoordinatorConfigFrom(config: BrokerConfig): Partial<GroupCoordinatorConfig> {
  return {
    groupMinSessionTimeoutMs: config.get('group.min.session.timeout.ms'),
    groupMaxSessionTimeoutMs: config.get('group.max.session.timeout.ms'),
    groupInitialRebalanceDelayMs: config.get('group.initial.rebalance.delay.ms'),
    offsetsTopicNumPartitions: config.get('offsets.topic.num.partitions'),
    offsetsRetentionMs: config.get('offsets.retention.minutes') * MS_PER_MINUTE,
    groupMaxSize: config.get('group.max.size'),
    offsetMetadataMaxBytes: config.get('offset.metadata.max.bytes'),
    offsetsRetentionCheckIntervalMs: config.get('offsets.retention.check.interval.ms'),
  };
}
