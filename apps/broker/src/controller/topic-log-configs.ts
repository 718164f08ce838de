import { parseLogConfig, type LogConfig } from '@tributary/storage';
import type { Logger } from 'pino';
import type { MetadataChange, MetadataStore, TopicMetadata } from './metadata-store.js';

/**
 * Each topic's effective LogConfig (its overrides from the metadata store over the broker
 * defaults), kept in memory because the LogManager asks for it synchronously when it opens a log,
 * and kept in step with the store's change events.
 */
export class TopicLogConfigs {
  private readonly byTopic = new Map<string, LogConfig>();

  constructor(
    private defaults: LogConfig,
    private readonly log: Logger,
  ) {}

  /** Loads every topic with overrides. */
  static async load(store: MetadataStore, defaults: LogConfig, log: Logger): Promise<TopicLogConfigs> {
    const configs = new TopicLogConfigs(defaults, log);
    for (const t of await store.listTopics()) configs.put(t);
    return configs;
  }

  /** The topic's config, or undefined when it has no overrides (the LogManager then uses the defaults). */
  get(topic: string): LogConfig | undefined {
    return this.byTopic.get(topic);
  }

  /** The broker defaults changed (dynamic broker configs): recomputes every topic's config. */
  setDefaults(defaults: LogConfig, topics: readonly TopicMetadata[]): void {
    this.defaults = defaults;
    this.byTopic.clear();
    for (const t of topics) this.put(t);
  }

  /** Applies a store change; returns the topic's new config when it changed. */
  apply(change: MetadataChange): { topic: string; config: LogConfig } | undefined {
    switch (change.type) {
      case 'topic-created':
      case 'topic-configs-changed':
        this.put(change.topic);
        return { topic: change.topic.name, config: this.byTopic.get(change.topic.name) ?? this.defaults };
      case 'topic-deleted':
        this.byTopic.delete(change.topic.name);
        return undefined;
      default:
        return undefined;
    }
  }

  private put(topic: TopicMetadata): void {
    if (Object.keys(topic.configs).length === 0) {
      this.byTopic.delete(topic.name);
      return;
    }
    try {
      // Broker-only keys stored with a topic are not storage's concern; skip them.
      this.byTopic.set(topic.name, parseLogConfig(topic.configs, this.defaults, { ignoreUnknown: true }));
    } catch (err) {
      // Handlers validate configs before storing them; a bad one here came from an older version or
      // a hand edit. Serve the topic with the defaults rather than not at all, and say so.
      this.byTopic.delete(topic.name);
      this.log.error({ err, topic: topic.name }, 'stored topic configs are invalid; using the broker defaults');
    }
  }
}
