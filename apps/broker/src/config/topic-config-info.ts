import type { ConfigType } from './config-def.js';

/** What DescribeConfigs v3+ reports about a topic-level key besides its value. */
export interface TopicConfigInfo {
  /** Kafka's type of the key (LogConfig's ConfigDef). */
  readonly type: ConfigType;
  /** One line in our own words. */
  readonly doc: string;
}

/**
 * Type and documentation of every topic-level config storage supports (the keys of
 * @tributary/storage's LOG_CONFIG_NAMES; a test checks the two lists agree).
 */
export const TOPIC_CONFIG_INFO: Readonly<Record<string, TopicConfigInfo>> = {
  'segment.bytes': { type: 'int', doc: 'Size at which the partition starts a new segment file.' },
  'segment.ms': { type: 'long', doc: 'Age at which the active segment is rolled even if it is not full, so retention can remove old data.' },
  'segment.jitter.ms': { type: 'long', doc: 'Largest random amount taken off segment.ms so partitions do not all roll at once.' },
  'segment.index.bytes': { type: 'int', doc: 'Size of the offset and time index files of a segment; a full index rolls the segment.' },
  'index.interval.bytes': { type: 'int', doc: 'Bytes of log between two offset-index entries.' },
  'retention.ms': { type: 'long', doc: 'How long a segment is kept after its newest record before it is deleted (-1: forever).' },
  'retention.bytes': { type: 'long', doc: 'Size a partition may reach before its oldest segments are deleted (-1: no limit).' },
  'flush.messages': { type: 'long', doc: 'Records written to a partition between two fsyncs.' },
  'flush.ms': { type: 'long', doc: 'Longest time written data stays unsynced.' },
  'cleanup.policy': { type: 'list', doc: 'What happens to old segments: delete them, compact them to the latest value per key, or both.' },
  'delete.retention.ms': { type: 'long', doc: 'How long tombstones survive compaction, so slow consumers still see the delete.' },
  'min.cleanable.dirty.ratio': { type: 'double', doc: 'Share of the log that must be uncompacted before the cleaner compacts it.' },
  'min.compaction.lag.ms': { type: 'long', doc: 'Youngest a record may be and still be compacted away.' },
  'max.compaction.lag.ms': { type: 'long', doc: 'Oldest an uncompacted record may get before the log is compacted regardless of the dirty ratio.' },
  'message.timestamp.type': { type: 'string', doc: "CreateTime keeps the producer's timestamps; LogAppendTime stamps batches with the broker clock." },
  'max.message.bytes': { type: 'int', doc: 'Largest record batch (after compression) the topic accepts.' },
  'file.delete.delay.ms': { type: 'long', doc: 'How long a segment removed by retention or compaction stays on disk before its files are deleted.' },
  preallocate: { type: 'boolean', doc: 'Allocate a new segment file at full size up front.' },
  'compression.type': { type: 'string', doc: 'Codec batches are stored with; producer keeps what the producer sent.' },
  'min.insync.replicas': { type: 'int', doc: 'Replicas that must have a write before an acks=all produce succeeds.' },
  'unclean.leader.election.enable': { type: 'boolean', doc: 'Allow a replica outside the in-sync set to become leader, losing writes.' },
  'message.timestamp.before.max.ms': { type: 'long', doc: 'How far in the past a CreateTime timestamp may be before the batch is refused.' },
  'message.timestamp.after.max.ms': { type: 'long', doc: 'How far in the future a CreateTime timestamp may be before the batch is refused.' },
};

/** Kafka's DescribeConfigsResponse.ConfigType ids, by our type names. */
export const CONFIG_TYPE_ID: Readonly<Record<ConfigType, number>> = {
  boolean: 1,
  string: 2,
  int: 3,
  short: 4,
  long: 5,
  double: 6,
  list: 7,
  password: 9,
};

/** Kafka's DescribeConfigsResponse.ConfigSource ids. */
export const ConfigSourceId = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
} as const;
