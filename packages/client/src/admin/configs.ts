import { ApiKey, KafkaError } from '@tributary/protocol';
import type { BrokerConnection } from '../cluster/broker-connection.js';
import type { Cluster } from '../cluster/cluster.js';
import { type AlterConfigOp, ConfigSource, type ConfigResourceResult, ResourceType } from './types.js';

export interface ConfigResourceQuery {
  type: ResourceType;
  name: string;
  /** Only these keys; all when absent. */
  configNames?: string[];
}

export interface IncrementalAlteration {
  type: ResourceType;
  name: string;
  configs: Array<{ name: string; value?: string | null; operation?: AlterConfigOp }>;
}

const OP_CODE: Record<AlterConfigOp, number> = { set: 0, delete: 1, append: 2, subtract: 3 };

/** Broker resources are answered by that broker; everything else by any broker. */
function brokerFor(cluster: Cluster, type: ResourceType, name: string): BrokerConnection {
  if ((type === ResourceType.Broker || type === ResourceType.BrokerLogger) && name !== '') return cluster.broker(Number(name));
  return cluster.anyBroker();
}

function groupByBroker<T extends { type: ResourceType; name: string }>(cluster: Cluster, items: T[]): Map<BrokerConnection, T[]> {
  const out = new Map<BrokerConnection, T[]>();
  for (const item of items) {
    const b = brokerFor(cluster, item.type, item.name);
    out.set(b, [...(out.get(b) ?? []), item]);
  }
  return out;
}

export async function describeConfigs(cluster: Cluster, resources: ConfigResourceQuery[], includeSynonyms: boolean): Promise<ConfigResourceResult[]> {
  const results: ConfigResourceResult[] = [];
  await cluster.retry(async () => {
    results.length = 0;
    for (const [broker, list] of groupByBroker(cluster, resources)) {
      const response = await broker.request(ApiKey.DescribeConfigs, (version) => ({
        resources: list.map((r) => ({ resourceType: r.type, resourceName: r.name, configurationKeys: r.configNames ?? null })),
        includeSynonyms: version >= 1 && includeSynonyms,
        includeDocumentation: false,
      }));
      for (const r of response.results) {
        if (r.errorCode !== 0) throw new KafkaError(r.errorCode, r.errorMessage ?? `DescribeConfigs ${r.resourceName}`);
        results.push({
          type: r.resourceType,
          name: r.resourceName,
          configs: r.configs.map((c) => {
            // v0 has isDefault and no source; later versions have a source and no isDefault.
            const source = c.configSource >= 0 ? c.configSource : c.isDefault ? ConfigSource.DefaultConfig : ConfigSource.Unknown;
            return {
              name: c.name,
              value: c.value,
              readOnly: c.readOnly,
              isDefault: c.configSource >= 0 ? source === ConfigSource.DefaultConfig || source === ConfigSource.StaticBrokerConfig : c.isDefault,
              isSensitive: c.isSensitive,
              source,
              synonyms: c.synonyms.map((s) => ({ name: s.name, value: s.value, source: s.source })),
            };
          }),
        });
      }
    }
  });
  return results;
}

/**
 * IncrementalAlterConfigs (KIP-339). Against a broker without it, the same change is made with
 * DescribeConfigs + AlterConfigs: the resource's dynamic configs are read, the operations applied
 * (append/subtract on comma-separated lists), and the whole set written back. That fallback is
 * not atomic against concurrent changes, which is why Kafka added the incremental API.
 */
export async function incrementalAlterConfigs(cluster: Cluster, resources: IncrementalAlteration[], validateOnly: boolean): Promise<void> {
  await cluster.retry(async () => {
    for (const [broker, list] of groupByBroker(cluster, resources)) {
      const conn = await broker.connection();
      if (conn.supports(ApiKey.IncrementalAlterConfigs)) {
        const response = await conn.request(ApiKey.IncrementalAlterConfigs, () => ({
          resources: list.map((r) => ({
            resourceType: r.type,
            resourceName: r.name,
            configs: r.configs.map((c) => ({ name: c.name, configOperation: OP_CODE[c.operation ?? 'set'], value: c.value ?? null })),
          })),
          validateOnly,
        }));
        for (const r of response.responses) if (r.errorCode !== 0) throw new KafkaError(r.errorCode, r.errorMessage ?? `IncrementalAlterConfigs ${r.resourceName}`);
      } else {
        await alterByReplacing(cluster, broker, list, validateOnly);
      }
    }
  });
}

async function alterByReplacing(cluster: Cluster, broker: BrokerConnection, list: IncrementalAlteration[], validateOnly: boolean): Promise<void> {
  const current = await describeConfigs(
    cluster,
    list.map((r) => ({ type: r.type, name: r.name })),
    false,
  );
  const dynamicSources = new Set([ConfigSource.DynamicTopicConfig, ConfigSource.DynamicBrokerConfig, ConfigSource.DynamicDefaultBrokerConfig, ConfigSource.DynamicBrokerLoggerConfig]);
  const resources = list.map((r) => {
    const described = current.find((c) => c.type === r.type && c.name === r.name);
    const values = new Map<string, string | null>();
    for (const c of described?.configs ?? []) if (dynamicSources.has(c.source) && !c.isSensitive) values.set(c.name, c.value);
    // Values of configs being altered, dynamic or not, so append/subtract start from what is in force.
    const effective = new Map((described?.configs ?? []).map((c) => [c.name, c.value]));
    for (const op of r.configs) {
      const kind = op.operation ?? 'set';
      if (kind === 'set') values.set(op.name, op.value ?? null);
      else if (kind === 'delete') values.delete(op.name);
      else {
        const items = (values.get(op.name) ?? effective.get(op.name) ?? '').split(',').filter((s) => s.length > 0);
        const change = (op.value ?? '').split(',').filter((s) => s.length > 0);
        const next = kind === 'append' ? [...items, ...change.filter((c) => !items.includes(c))] : items.filter((i) => !change.includes(i));
        values.set(op.name, next.join(','));
      }
    }
    return { resourceType: r.type, resourceName: r.name, configs: [...values].map(([name, value]) => ({ name, value })) };
  });
  const response = await broker.request(ApiKey.AlterConfigs, () => ({ resources, validateOnly }));
  for (const r of response.responses) if (r.errorCode !== 0) throw new KafkaError(r.errorCode, r.errorMessage ?? `AlterConfigs ${r.resourceName}`);
}
