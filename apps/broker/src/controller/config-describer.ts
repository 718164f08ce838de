import { LOG_CONFIG_NAMES, logConfigToProperties, type LogConfig } from '@tributary/storage';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ConfigDef } from '../config/config-def.js';
import { BROKER_CONFIG_DEFS, CONFIG_DEFS_BY_NAME, type BrokerConfigName } from '../config/definitions.js';
import { brokerSynonyms, isDynamicBrokerKey } from '../config/dynamic-broker-keys.js';
import { CONFIG_TYPE_ID, ConfigSourceId, TOPIC_CONFIG_INFO } from '../config/topic-config-info.js';
import { TOPIC_CONFIG_SOURCES } from '../config/topic-defaults.js';
import { formatValue, parseValue } from '../config/value-types.js';

/** One synonym of a config: where else its value could come from, highest precedence first. */
export interface ConfigSynonym {
  readonly name: string;
  readonly value: string | null;
  /** ConfigSourceId */
  readonly source: number;
}

/** One config as DescribeConfigs reports it (before version-specific fields are chosen). */
export interface DescribedConfig {
  readonly name: string;
  /** null when sensitive or unset. */
  readonly value: string | null;
  readonly readOnly: boolean;
  /** ConfigSourceId of the value in effect. */
  readonly source: number;
  readonly isSensitive: boolean;
  /** Filled only when synonyms were asked for. */
  readonly synonyms: readonly ConfigSynonym[];
  /** CONFIG_TYPE_ID */
  readonly configType: number;
  /** Filled only when documentation was asked for. */
  readonly documentation: string | null;
}

export interface DescribeOptions {
  readonly includeSynonyms: boolean;
  readonly includeDocumentation: boolean;
}

/** The broker-level layers a described value may come from. */
export interface BrokerConfigLayers {
  readonly staticConfig: BrokerConfig;
  /** Dynamic cluster-wide defaults (entity ''). */
  readonly cluster: Readonly<Record<string, string>>;
  /** This broker's dynamic overrides. */
  readonly own: Readonly<Record<string, string>>;
}

/**
 * A topic's configs (Kafka's createTopicConfigEntry): every topic-level key with its effective
 * value; the source is the topic override when there is one, else the first broker-level synonym
 * that sets it (this broker's dynamic value, the dynamic cluster default, the static config, the
 * built-in broker default), else DEFAULT_CONFIG.
 */
export function describeTopicConfigs(
  effective: LogConfig,
  overrides: Readonly<Record<string, string>>,
  layers: BrokerConfigLayers,
  options: DescribeOptions,
): DescribedConfig[] {
  const values = logConfigToProperties(effective);
  return LOG_CONFIG_NAMES.map((name) => {
    const value = values[name] ?? null;
    const brokerKeys = TOPIC_CONFIG_SOURCES.find((s) => s.topicKey === name)?.brokerKeys ?? [];
    const synonyms: ConfigSynonym[] = [];
    if (name in overrides) synonyms.push({ name, value, source: ConfigSourceId.DYNAMIC_TOPIC_CONFIG });
    synonyms.push(...brokerSynonymChain(brokerKeys, layers, false));
    const info = TOPIC_CONFIG_INFO[name];
    return {
      name,
      value,
      readOnly: false,
      source: synonyms[0]?.source ?? ConfigSourceId.DEFAULT_CONFIG,
      isSensitive: false,
      synonyms: options.includeSynonyms ? synonyms : [],
      configType: info ? CONFIG_TYPE_ID[info.type] : 0,
      documentation: options.includeDocumentation ? (info?.doc ?? null) : null,
    };
  });
}

/**
 * A broker's configs (Kafka's createBrokerConfigEntry). For the broker itself (`perBroker`): every
 * key with its value in effect. For the cluster-default resource (name ''): only the dynamic
 * cluster defaults that are set, with only DYNAMIC_DEFAULT_BROKER_CONFIG synonyms. Keys that
 * cannot change at runtime are read-only.
 */
export function describeBrokerConfigs(layers: BrokerConfigLayers, perBroker: boolean, options: DescribeOptions): DescribedConfig[] {
  const defs = perBroker
    ? (BROKER_CONFIG_DEFS as readonly ConfigDef[])
    : Object.keys(layers.cluster)
        .map((k) => CONFIG_DEFS_BY_NAME.get(k))
        .filter((d): d is ConfigDef => d !== undefined);
  return defs.map((def) => {
    const sensitive = def.sensitive === true || def.type === 'password';
    const all = brokerSynonymChain(brokerSynonyms(def.name), layers, sensitive);
    // Synonyms of higher precedence than this key (log.retention.ms when describing
    // log.retention.hours) describe another key; Kafka drops them.
    const fromHere = all.slice(Math.max(0, all.findIndex((s) => s.name === def.name)));
    const own = all.some((s) => s.name === def.name) ? fromHere : [];
    const synonyms = perBroker ? own : own.filter((s) => s.source === ConfigSourceId.DYNAMIC_DEFAULT_BROKER_CONFIG);
    const value = sensitive ? null : perBroker ? effectiveBrokerValue(def.name, layers) : (layers.cluster[def.name] ?? null);
    return {
      name: def.name,
      value,
      readOnly: !isDynamicBrokerKey(def.name),
      source: synonyms[0]?.source ?? ConfigSourceId.DEFAULT_CONFIG,
      isSensitive: sensitive,
      synonyms: options.includeSynonyms ? synonyms : [],
      configType: CONFIG_TYPE_ID[def.type],
      documentation: options.includeDocumentation ? documentationOf(def) : null,
    };
  });
}

/** The value a broker key has now: this broker's dynamic value, the cluster default, the static one. */
export function effectiveBrokerValue(name: string, layers: BrokerConfigLayers): string | null {
  const dynamic = layers.own[name] ?? layers.cluster[name];
  if (dynamic !== undefined) return dynamic;
  const def = CONFIG_DEFS_BY_NAME.get(name);
  if (!def) return null;
  return formatValue(layers.staticConfig.get(def.name as BrokerConfigName));
}

/**
 * Every layer that sets one of `keys`, in Kafka's order: per source (this broker's dynamic
 * configs, the dynamic cluster defaults, the static config, the built-in defaults), every key.
 */
function brokerSynonymChain(keys: readonly string[], layers: BrokerConfigLayers, sensitive: boolean): ConfigSynonym[] {
  const out: ConfigSynonym[] = [];
  const add = (name: string, value: string | null, source: number) => out.push({ name, value: sensitive ? null : value, source });
  for (const k of keys) if (layers.own[k] !== undefined) add(k, layers.own[k]!, ConfigSourceId.DYNAMIC_BROKER_CONFIG);
  for (const k of keys) if (layers.cluster[k] !== undefined) add(k, layers.cluster[k]!, ConfigSourceId.DYNAMIC_DEFAULT_BROKER_CONFIG);
  for (const k of keys) {
    const def = CONFIG_DEFS_BY_NAME.get(k);
    if (def && layers.staticConfig.source(def.name as BrokerConfigName) !== 'default') {
      add(k, formatValue(layers.staticConfig.get(def.name as BrokerConfigName)), ConfigSourceId.STATIC_BROKER_CONFIG);
    }
  }
  for (const k of keys) {
    const def = CONFIG_DEFS_BY_NAME.get(k);
    if (def && def.default !== null) {
      const parsed = parseValue(def.type, def.default);
      add(k, parsed.ok ? formatValue(parsed.value) : def.default, ConfigSourceId.DEFAULT_CONFIG);
    }
  }
  return out;
}

function documentationOf(def: ConfigDef): string {
  return def.ignored ? `${def.doc} (Accepted for compatibility; no effect in Tributary: ${def.ignored})` : def.doc;
}

/** Keeps the configs a DescribeConfigs resource asked for (all of them for a null or empty list). */
export function filterConfigs<T extends { readonly name: string }>(configs: readonly T[], keys: readonly string[] | null): T[] {
  if (keys === null || keys.length === 0) return [...configs];
  const wanted = new Set(keys);
  return configs.filter((c) => wanted.has(c.name));
}
