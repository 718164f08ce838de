import { parseLogConfig, type LogConfig } from '@tributary/storage';
import type { BrokerConfig } from './broker-config.js';
import type { ConfigValue } from './config-def.js';
import type { BrokerConfigName } from './definitions.js';
import { formatValue } from './value-types.js';

/**
 * Topic-level configs whose default comes from a broker key, as in Kafka (LogConfig's "server
 * default property" and DescribeConfigs' synonyms). A topic override wins over these; these win over
 * the built-in defaults.
 */
export interface TopicConfigSource {
  /** The topic-level key (what CreateTopics / AlterConfigs / DescribeConfigs use). */
  readonly topicKey: string;
  /** Broker keys that set it, highest precedence first (DescribeConfigs lists them as synonyms). */
  readonly brokerKeys: readonly BrokerConfigName[];
  /** The effective broker-level value. */
  value(config: BrokerConfig): ConfigValue;
}

const direct = (topicKey: string, brokerKey: BrokerConfigName): TopicConfigSource => ({
  topicKey,
  brokerKeys: [brokerKey],
  value: (c) => c.get(brokerKey),
});

export const TOPIC_CONFIG_SOURCES: readonly TopicConfigSource[] = [
  direct('cleanup.policy', 'log.cleanup.policy'),
  direct('segment.bytes', 'log.segment.bytes'),
  { topicKey: 'segment.ms', brokerKeys: ['log.roll.ms', 'log.roll.hours'], value: (c) => c.logRollMs },
  {
    topicKey: 'segment.jitter.ms',
    brokerKeys: ['log.roll.jitter.ms', 'log.roll.jitter.hours'],
    value: (c) => c.logRollJitterMs,
  },
  direct('segment.index.bytes', 'log.index.size.max.bytes'),
  direct('index.interval.bytes', 'log.index.interval.bytes'),
  {
    topicKey: 'retention.ms',
    brokerKeys: ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
    value: (c) => c.logRetentionMs,
  },
  direct('retention.bytes', 'log.retention.bytes'),
  direct('flush.messages', 'log.flush.interval.messages'),
  {
    topicKey: 'flush.ms',
    brokerKeys: ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'],
    value: (c) => c.logFlushIntervalMs,
  },
  direct('max.message.bytes', 'message.max.bytes'),
  direct('message.timestamp.type', 'log.message.timestamp.type'),
  direct('min.insync.replicas', 'min.insync.replicas'),
  direct('unclean.leader.election.enable', 'unclean.leader.election.enable'),
  direct('delete.retention.ms', 'log.cleaner.delete.retention.ms'),
  direct('min.cleanable.dirty.ratio', 'log.cleaner.min.cleanable.ratio'),
  direct('min.compaction.lag.ms', 'log.cleaner.min.compaction.lag.ms'),
  direct('max.compaction.lag.ms', 'log.cleaner.max.compaction.lag.ms'),
  direct('file.delete.delay.ms', 'log.segment.delete.delay.ms'),
  direct('preallocate', 'log.preallocate'),
  direct('compression.type', 'compression.type'),
  direct('message.timestamp.before.max.ms', 'log.message.timestamp.before.max.ms'),
  direct('message.timestamp.after.max.ms', 'log.message.timestamp.after.max.ms'),
];

/** Topic-level key → the broker's default for it. */
export function topicConfigDefaults(config: BrokerConfig): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = {};
  for (const s of TOPIC_CONFIG_SOURCES) out[s.topicKey] = s.value(config);
  return out;
}

/**
 * The same defaults as Kafka-style strings (Long.MAX printed exactly), the form
 * @tributary/storage's parseLogConfig takes: `parseLogConfig(topicDefaultProperties(config))` gives
 * the base LogConfig that topic overrides are layered on.
 */
export function topicDefaultProperties(config: BrokerConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of TOPIC_CONFIG_SOURCES) {
    const v = formatValue(s.value(config));
    if (v !== null) out[s.topicKey] = v;
  }
  return out;
}

/**
 * The LogConfig every topic starts from: storage's defaults overlaid with the broker's log.* keys.
 * Throws StorageError INVALID_CONFIG when the keys contradict each other (min above max compaction lag).
 */
export function brokerDefaultLogConfig(config: BrokerConfig): LogConfig {
  return parseLogConfig(topicDefaultProperties(config));
}
