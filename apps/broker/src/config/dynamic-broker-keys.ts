import type { BrokerConfigName } from './definitions.js';
import { TOPIC_CONFIG_SOURCES } from './topic-defaults.js';

/**
 * Broker keys AlterConfigs / IncrementalAlterConfigs may change at runtime, for one broker or as
 * the cluster-wide default. As in Kafka (DynamicLogConfig.ReconfigurableConfigs), these are the
 * primary broker-level synonyms of the topic configs — `log.retention.ms` but not
 * `log.retention.hours`, `message.max.bytes`, `log.cleanup.policy`, `log.segment.bytes`, … — and a
 * new value applies at once to every topic that does not override it. Every other broker key is
 * read-only: changing it needs a restart.
 */
export const DYNAMIC_BROKER_KEYS: ReadonlySet<BrokerConfigName> = new Set(TOPIC_CONFIG_SOURCES.map((s) => s.brokerKeys[0]!));

export function isDynamicBrokerKey(name: string): name is BrokerConfigName {
  return DYNAMIC_BROKER_KEYS.has(name as BrokerConfigName);
}

/**
 * The broker keys that describe the same setting, highest precedence first (Kafka's
 * brokerConfigSynonyms): `log.retention.ms`, `log.retention.minutes`, `log.retention.hours`; a key
 * that stands alone is its own only synonym.
 */
export function brokerSynonyms(name: string): readonly BrokerConfigName[] {
  for (const s of TOPIC_CONFIG_SOURCES) if (s.brokerKeys.includes(name as BrokerConfigName)) return s.brokerKeys;
  return [name as BrokerConfigName];
}
