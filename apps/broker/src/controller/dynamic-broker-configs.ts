import { parseLogConfig, type LogConfig } from '@tributary/storage';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ConfigDef } from '../config/config-def.js';
import { CONFIG_DEFS_BY_NAME } from '../config/definitions.js';
import { isDynamicBrokerKey } from '../config/dynamic-broker-keys.js';
import { TOPIC_CONFIG_SOURCES, topicDefaultProperties } from '../config/topic-defaults.js';
import { formatValue, parseValue } from '../config/value-types.js';
import { AdminError } from './admin-error.js';
import type { MetadataStore } from './metadata-store.js';
import type { TopicDefaultsSource } from './topic-manager.js';

/** The cluster-wide default entity of dynamic broker configs (Kafka's `<default>` broker entity). */
export const CLUSTER_DEFAULT_ENTITY = '';

type Overrides = Readonly<Record<string, string>>;

/**
 * Dynamic broker configs (Kafka's DynamicBrokerConfig, for the keys in DYNAMIC_BROKER_KEYS): the
 * cluster-wide defaults and this broker's own overrides, persisted in the metadata store so they
 * survive restarts. Precedence per key: this broker's dynamic value, the cluster default, the static
 * config (server.properties / --override / startBroker), the built-in default. They feed the
 * topic defaults every topic without its own override uses.
 */
export class DynamicBrokerConfigs implements TopicDefaultsSource {
  private cluster: Overrides = {};
  private own: Overrides = {};
  private logDefaults: LogConfig;
  private readonly listeners = new Set<() => void>();

  private constructor(
    readonly staticConfig: BrokerConfig,
    private readonly store: MetadataStore,
    private readonly log: Logger,
  ) {
    this.logDefaults = staticConfig.defaultLogConfig;
  }

  /** Loads the stored dynamic configs; keys no longer valid are ignored with a warning (as Kafka). */
  static async load(store: MetadataStore, config: BrokerConfig, log: Logger): Promise<DynamicBrokerConfigs> {
    const d = new DynamicBrokerConfigs(config, store, log);
    d.cluster = d.usable(CLUSTER_DEFAULT_ENTITY, await store.brokerConfigs(CLUSTER_DEFAULT_ENTITY));
    d.own = d.usable(d.ownEntity, await store.brokerConfigs(d.ownEntity));
    d.recompute();
    // Another broker (or this one) changed them: keep the cache and the topic defaults current.
    store.subscribe((change) => {
      if (change.type !== 'broker-configs-changed') return;
      if (change.entity !== CLUSTER_DEFAULT_ENTITY && change.entity !== d.ownEntity) return;
      d.set(change.entity, d.usable(change.entity, change.configs));
    });
    return d;
  }

  /** The entity of this broker's own overrides: its node id. */
  get ownEntity(): string {
    return String(this.staticConfig.nodeId);
  }

  /** Dynamic values of an entity ('' = cluster default, else this node's id). */
  overrides(entity: string): Overrides {
    return entity === CLUSTER_DEFAULT_ENTITY ? this.cluster : this.own;
  }

  /** The LogConfig topics start from: static log.* keys with the dynamic values on top. */
  defaultLogConfig(): LogConfig {
    return this.logDefaults;
  }

  /** Calls `listener` after the topic defaults changed; returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Checks a complete new set of dynamic configs for an entity: every key a known, dynamically
   * updatable broker key with a valid value, and the resulting topic defaults consistent. Throws
   * AdminError: INVALID_CONFIG for an unknown key; INVALID_REQUEST otherwise, as Kafka does for
   * broker resources ("Cannot update these configs dynamically: …").
   */
  validate(entity: string, configs: Overrides): void {
    const unknown = Object.keys(configs).filter((k) => !CONFIG_DEFS_BY_NAME.has(k));
    if (unknown.length > 0) throw new AdminError('INVALID_CONFIG', `Unknown broker config name: ${unknown.join(', ')}`);
    const readOnly = Object.keys(configs).filter((k) => !isDynamicBrokerKey(k));
    if (readOnly.length > 0) {
      throw new AdminError(
        'INVALID_REQUEST',
        `Cannot update these configs dynamically: Set(${readOnly.join(', ')}); they are read-only and need a restart with a changed static config`,
      );
    }
    for (const [key, raw] of Object.entries(configs)) {
      const problem = valueProblem(CONFIG_DEFS_BY_NAME.get(key)!, raw);
      if (problem) throw new AdminError('INVALID_REQUEST', `Invalid value ${raw} for configuration ${key}: ${problem}`);
    }
    const cluster = entity === CLUSTER_DEFAULT_ENTITY ? configs : this.cluster;
    const own = entity === CLUSTER_DEFAULT_ENTITY ? this.own : configs;
    try {
      this.compute(cluster, own);
    } catch (err) {
      throw new AdminError('INVALID_REQUEST', `Invalid broker configs: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Replaces the entity's whole set (validated first), persists it and applies it. */
  async replace(entity: string, configs: Overrides, options: { validateOnly?: boolean } = {}): Promise<void> {
    const normalized = normalize(configs);
    this.validate(entity, normalized);
    if (options.validateOnly) return;
    const current = this.overrides(entity);
    const changes: Record<string, string | null> = {};
    for (const key of Object.keys(current)) if (!(key in normalized)) changes[key] = null;
    for (const [key, value] of Object.entries(normalized)) if (current[key] !== value) changes[key] = value;
    if (Object.keys(changes).length === 0) return;
    const stored = await this.store.alterBrokerConfigs(entity, changes);
    this.set(entity, stored);
    this.log.info({ entity: entity === CLUSTER_DEFAULT_ENTITY ? '<default>' : entity, configs: stored }, 'dynamic broker configs updated');
  }

  private set(entity: string, configs: Overrides): void {
    // The store's change event and replace() both report a change; apply it once.
    if (sameEntries(this.overrides(entity), configs)) return;
    if (entity === CLUSTER_DEFAULT_ENTITY) this.cluster = configs;
    else this.own = configs;
    this.recompute();
    for (const l of this.listeners) {
      try {
        l();
      } catch (err) {
        this.log.error({ err }, 'applying changed broker defaults failed');
      }
    }
  }

  private recompute(): void {
    try {
      this.logDefaults = this.compute(this.cluster, this.own);
    } catch (err) {
      // Validated before storing, so only a hand-edited store gets here: keep serving.
      this.log.error({ err }, 'dynamic broker configs make inconsistent topic defaults; using the static ones');
      this.logDefaults = this.staticConfig.defaultLogConfig;
    }
  }

  private compute(cluster: Overrides, own: Overrides): LogConfig {
    const props = topicDefaultProperties(this.staticConfig);
    for (const s of TOPIC_CONFIG_SOURCES) {
      const key = s.brokerKeys[0]!;
      const raw = own[key] ?? cluster[key];
      if (raw === undefined) continue;
      const parsed = parseValue(CONFIG_DEFS_BY_NAME.get(key)!.type, raw);
      const text = parsed.ok ? formatValue(parsed.value) : null;
      if (text !== null) props[s.topicKey] = text;
    }
    return parseLogConfig(props);
  }

  /** Drops stored keys that are unknown, not dynamic or invalid, saying so. */
  private usable(entity: string, configs: Overrides): Overrides {
    const out: Record<string, string> = {};
    for (const [key, raw] of Object.entries(configs)) {
      const def = CONFIG_DEFS_BY_NAME.get(key);
      const problem = !def ? 'unknown key' : !isDynamicBrokerKey(key) ? 'not dynamically updatable' : valueProblem(def, raw);
      if (problem) this.log.warn({ entity, key, value: raw, problem }, 'ignoring a stored dynamic broker config');
      else out[key] = raw;
    }
    return Object.freeze(out);
  }
}

function sameEntries(a: Overrides, b: Overrides): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** Values trimmed, as Kafka's ConfigDef does when parsing. */
function normalize(configs: Overrides): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(configs)) out[k] = v.trim();
  return out;
}

function valueProblem(def: ConfigDef, raw: string): string | undefined {
  const parsed = parseValue(def.type, raw);
  if (!parsed.ok) return `expected ${parsed.expected}`;
  if (parsed.value === null || !def.validator) return undefined;
  return def.validator.problem(parsed.value);
}
