import { DEFAULT_LOG_CONFIG, logConfigToProperties, type LogConfig } from '@tributary/storage';
import { CONFIG_DEFS_BY_NAME } from '../config/definitions.js';
import { TOPIC_CONFIG_INFO } from '../config/topic-config-info.js';
import { AdminError } from './admin-error.js';
import { describeBrokerConfigs, describeTopicConfigs, filterConfigs, type DescribedConfig, type DescribeOptions } from './config-describer.js';
import { CLUSTER_DEFAULT_ENTITY, type DynamicBrokerConfigs } from './dynamic-broker-configs.js';
import type { TopicManager } from './topic-manager.js';
import { topicNameProblem } from './topic-names.js';

/** Kafka's ConfigResource.Type ids. */
export const ConfigResourceType = { UNKNOWN: 0, TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;

/** Kafka's AlterConfigOp.OpType ids (IncrementalAlterConfigs). */
export const AlterConfigOpType = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

export interface ConfigResourceRef {
  readonly resourceType: number;
  readonly resourceName: string;
}

export interface AlterableConfig {
  readonly name: string;
  readonly value: string | null;
}

export interface IncrementalAlterableConfig extends AlterableConfig {
  /** AlterConfigOpType */
  readonly configOperation: number;
}

/** One resource's outcome in an (Incremental)AlterConfigs request; error undefined on success. */
export interface ResourceOutcome {
  readonly resource: ConfigResourceRef;
  readonly error?: AdminError;
}

/**
 * DescribeConfigs, AlterConfigs and IncrementalAlterConfigs over topic resources (overrides in the
 * metadata store, applied live to the logs by the TopicManager) and broker resources (dynamic
 * broker configs: '' = cluster default, the node id = this broker). Kafka's rules and messages
 * (ConfigHelper, ConfigAdminManager, ZkAdminManager); every method throws AdminError.
 */
export class ConfigAdmin {
  constructor(
    private readonly topics: TopicManager,
    private readonly brokerConfigs: DynamicBrokerConfigs,
  ) {}

  // ------------------------------------------------------------------ describe

  async describe(resource: ConfigResourceRef & { readonly configurationKeys: readonly string[] | null }, options: DescribeOptions): Promise<DescribedConfig[]> {
    let configs: DescribedConfig[];
    switch (resource.resourceType) {
      case ConfigResourceType.TOPIC: {
        const problem = topicNameProblem(resource.resourceName);
        if (problem) throw new AdminError('INVALID_TOPIC_EXCEPTION', problem);
        const topic = await this.topics.requireTopic(resource.resourceName);
        configs = describeTopicConfigs(this.topics.effectiveConfig(topic.configs), topic.configs, this.layers(), options);
        break;
      }
      case ConfigResourceType.BROKER: {
        const entity = this.brokerEntity(resource.resourceName, 'describe');
        configs = describeBrokerConfigs(this.layers(), entity !== CLUSTER_DEFAULT_ENTITY, options);
        break;
      }
      default:
        throw new AdminError('INVALID_REQUEST', `Unsupported resource type: ${resourceTypeName(resource.resourceType)}`);
    }
    return filterConfigs(configs, resource.configurationKeys);
  }

  /** The configs of a topic just created or validated (CreateTopics v5+ returns them). */
  newTopicConfigs(overrides: Readonly<Record<string, string>>, effective: LogConfig): DescribedConfig[] {
    return describeTopicConfigs(effective, overrides, this.layers(), { includeSynonyms: false, includeDocumentation: false });
  }

  // ------------------------------------------------------------------ alter

  /** AlterConfigs: the given configs become the resource's whole set of dynamic overrides. */
  async alter(resource: ConfigResourceRef & { readonly configs: readonly AlterableConfig[] }, validateOnly: boolean): Promise<void> {
    checkDuplicateKeys(resource.configs);
    const nulls = resource.configs.filter((c) => c.value === null).map((c) => c.name);
    if (nulls.length > 0) throw new AdminError('INVALID_REQUEST', `Null value not supported for : ${nulls.join(', ')}`);
    const set = Object.fromEntries(resource.configs.map((c) => [c.name, c.value!]));
    await this.replace(resource, set, validateOnly);
  }

  /** IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT (list keys) on the current overrides. */
  async incrementalAlter(resource: ConfigResourceRef & { readonly configs: readonly IncrementalAlterableConfig[] }, validateOnly: boolean): Promise<void> {
    checkDuplicateKeys(resource.configs);
    for (const c of resource.configs) {
      if (!(Object.values(AlterConfigOpType) as number[]).includes(c.configOperation)) {
        throw new AdminError('INVALID_REQUEST', `Unknown operations type ${c.configOperation}`);
      }
    }
    const nulls = resource.configs.filter((c) => c.value === null && c.configOperation !== AlterConfigOpType.DELETE).map((c) => c.name);
    if (nulls.length > 0) throw new AdminError('INVALID_REQUEST', `Null value not supported for : ${nulls.join(', ')}`);
    const current = await this.currentOverrides(resource);
    const listDefault = (name: string): string | undefined => this.listDefault(resource.resourceType, name);
    await this.replace(resource, applyOps(current, resource.configs, listDefault), validateOnly);
  }

  /** Runs `each` for every resource; a resource named twice fails both times (Kafka's rule). */
  async forEachResource<R extends ConfigResourceRef>(resources: readonly R[], each: (r: R) => Promise<void>): Promise<ResourceOutcome[]> {
    const key = (r: ConfigResourceRef) => `${r.resourceType}\u0000${r.resourceName}`;
    const counts = new Map<string, number>();
    for (const r of resources) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
    const out: ResourceOutcome[] = [];
    // One at a time: two resources of one request may touch the same broker defaults.
    for (const r of resources) {
      if (counts.get(key(r))! > 1) {
        out.push({ resource: r, error: new AdminError('INVALID_REQUEST', 'Each resource must appear at most once.') });
        continue;
      }
      try {
        await each(r);
        out.push({ resource: r });
      } catch (err) {
        out.push({ resource: r, error: err instanceof AdminError ? err : new AdminError('UNKNOWN_SERVER_ERROR', 'unexpected error; see the broker log', { cause: err }) });
      }
    }
    return out;
  }

  private async replace(resource: ConfigResourceRef, set: Record<string, string>, validateOnly: boolean): Promise<void> {
    switch (resource.resourceType) {
      case ConfigResourceType.TOPIC: {
        const problem = topicNameProblem(resource.resourceName);
        if (problem) throw new AdminError('INVALID_TOPIC_EXCEPTION', problem);
        await this.topics.replaceTopicConfigs(resource.resourceName, set, { validateOnly });
        return;
      }
      case ConfigResourceType.BROKER: {
        const entity = this.brokerEntity(resource.resourceName, 'alter');
        await this.brokerConfigs.replace(entity, set, { validateOnly });
        // Applied before the response, so a client that reads back sees the new behaviour.
        if (!validateOnly) await this.topics.applyDefaultsChanged();
        return;
      }
      default:
        throw new AdminError('INVALID_REQUEST', `Unknown resource type ${resource.resourceType}`);
    }
  }

  private async currentOverrides(resource: ConfigResourceRef): Promise<Record<string, string>> {
    switch (resource.resourceType) {
      case ConfigResourceType.TOPIC: {
        const problem = topicNameProblem(resource.resourceName);
        if (problem) throw new AdminError('INVALID_TOPIC_EXCEPTION', problem);
        return { ...(await this.topics.requireTopic(resource.resourceName)).configs };
      }
      case ConfigResourceType.BROKER:
        return { ...this.brokerConfigs.overrides(this.brokerEntity(resource.resourceName, 'alter')) };
      default:
        throw new AdminError('INVALID_REQUEST', `Unknown resource type ${resource.resourceType}`);
    }
  }

  /**
   * The value APPEND and SUBTRACT start from when the key is not overridden: the key's built-in
   * default, as Kafka's prepareIncrementalConfigs does. Undefined: not a list key (refused).
   */
  private listDefault(resourceType: number, name: string): string | undefined {
    if (resourceType === ConfigResourceType.TOPIC) {
      const info = TOPIC_CONFIG_INFO[name];
      if (!info) throw new AdminError('INVALID_CONFIG', `Unknown config name: ${name}`);
      return info.type === 'list' ? (logConfigToProperties(DEFAULT_LOG_CONFIG)[name] ?? '') : undefined;
    }
    const def = CONFIG_DEFS_BY_NAME.get(name);
    if (!def) throw new AdminError('INVALID_CONFIG', `Unknown config name: ${name}`);
    return def.type === 'list' ? (def.default ?? '') : undefined;
  }

  /** '' for the cluster default, this node's id for itself; anything else is INVALID_REQUEST (Kafka's messages). */
  private brokerEntity(name: string, op: 'describe' | 'alter'): string {
    if (name === '') return CLUSTER_DEFAULT_ENTITY;
    const own = this.brokerConfigs.ownEntity;
    if (!/^-?\d+$/.test(name.trim())) {
      throw new AdminError('INVALID_REQUEST', op === 'describe' ? `Broker id must be an integer, but it is: ${name}` : `Node id must be an integer, but it is: ${name}`);
    }
    if (Number(name.trim()) !== Number(own)) {
      throw new AdminError(
        'INVALID_REQUEST',
        op === 'describe' ? `Unexpected broker id, expected ${own} or empty string, but received ${name}` : `Unexpected broker id, expected ${own}, but received ${name}`,
      );
    }
    return own;
  }

  private layers() {
    return { staticConfig: this.brokerConfigs.staticConfig, cluster: this.brokerConfigs.overrides(CLUSTER_DEFAULT_ENTITY), own: this.brokerConfigs.overrides(this.brokerConfigs.ownEntity) };
  }
}

function checkDuplicateKeys(configs: readonly { readonly name: string }[]): void {
  const seen = new Set<string>();
  for (const c of configs) {
    if (seen.has(c.name)) throw new AdminError('INVALID_REQUEST', 'Error due to duplicate config keys');
    seen.add(c.name);
  }
}

/**
 * Kafka's prepareIncrementalConfigs: SET replaces, DELETE removes, APPEND adds list elements not
 * yet present, SUBTRACT removes list elements; APPEND/SUBTRACT start from the current value or the
 * key's default and are refused for keys that are not lists.
 */
export function applyOps(
  current: Readonly<Record<string, string>>,
  ops: readonly IncrementalAlterableConfig[],
  listDefault: (name: string) => string | undefined,
): Record<string, string> {
  const next: Record<string, string> = { ...current };
  for (const op of ops) {
    switch (op.configOperation) {
      case AlterConfigOpType.SET:
        next[op.name] = op.value!;
        break;
      case AlterConfigOpType.DELETE:
        delete next[op.name];
        break;
      case AlterConfigOpType.APPEND:
      case AlterConfigOpType.SUBTRACT: {
        const append = op.configOperation === AlterConfigOpType.APPEND;
        const fallback = listDefault(op.name);
        if (fallback === undefined) {
          throw new AdminError('INVALID_CONFIG', `Config value ${append ? 'append' : 'subtract'} is not allowed for config key: ${op.name}`);
        }
        const old = splitList(next[op.name] ?? fallback);
        const given = splitList(op.value!);
        next[op.name] = (append ? [...old, ...given.filter((v) => !old.includes(v))] : old.filter((v) => !given.includes(v))).join(',');
        break;
      }
    }
  }
  return next;
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function resourceTypeName(type: number): string {
  const entry = Object.entries(ConfigResourceType).find(([, id]) => id === type);
  return entry ? entry[0] : String(type);
}
