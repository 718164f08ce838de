import { LOG_CONFIG_NAMES, LogManager } from '@tributary/storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BrokerConfig } from '../config/broker-config.js';
import { DYNAMIC_BROKER_KEYS } from '../config/dynamic-broker-keys.js';
import { ConfigSourceId, TOPIC_CONFIG_INFO } from '../config/topic-config-info.js';
import { memoryLogger, tempDir } from '../test-support/test-env.js';
import { isAdminError, type AdminError } from './admin-error.js';
import { openAdminPlane, type AdminPlane } from './admin-plane.js';
import { AlterConfigOpType as Op, ConfigResourceType as RT } from './config-admin.js';
import type { DescribedConfig } from './config-describer.js';
import { EmbeddedMetadataStore } from './embedded-metadata-store.js';

let dir: string;
let cleanup: () => Promise<void>;
let metadata: EmbeddedMetadataStore;
let logs: LogManager;
let admin: AdminPlane;

/** Static config as a server.properties file would give it (source 'file'). */
async function open(fileValues: Record<string, unknown> = {}): Promise<void> {
  const config = BrokerConfig.resolve([
    { source: 'programmatic', origin: 'test', entries: [{ key: 'log.dirs', value: dir }] },
    { source: 'file', origin: 'server.properties', entries: Object.entries(fileValues).map(([key, value]) => ({ key, value })) },
  ]);
  metadata = await EmbeddedMetadataStore.open({ dir, nodeId: 1, clusterId: null });
  logs = await LogManager.open({ logDirs: [dir], defaultConfig: config.defaultLogConfig });
  admin = await openAdminPlane({ config, metadata, logManager: logs, logger: memoryLogger().logger });
}
async function close(): Promise<void> {
  await logs.close();
  await metadata.close();
}

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  await open({ 'log.retention.hours': '24' });
});
afterEach(async () => {
  await close();
  await cleanup();
});

const all = { includeSynonyms: true, includeDocumentation: true };
const byName = (configs: DescribedConfig[]) => new Map(configs.map((c) => [c.name, c]));
const topicRes = (name: string, configurationKeys: string[] | null = null) => ({ resourceType: RT.TOPIC, resourceName: name, configurationKeys });
const brokerRes = (name: string, configurationKeys: string[] | null = null) => ({ resourceType: RT.BROKER, resourceName: name, configurationKeys });

async function refusal(p: Promise<unknown>): Promise<AdminError> {
  try {
    await p;
  } catch (err) {
    if (isAdminError(err)) return err;
    throw err;
  }
  throw new Error('expected an AdminError');
}

describe('DescribeConfigs logic', () => {
  it('documents every topic config storage supports', () => {
    expect(Object.keys(TOPIC_CONFIG_INFO).sort()).toEqual([...LOG_CONFIG_NAMES].sort());
  });

  it('describes a topic: override first, then broker synonyms, with sources, types and docs', async () => {
    await admin.topics.createTopic({ name: 't', configs: { 'retention.ms': '5000' } });
    const configs = byName(await admin.configs.describe(topicRes('t'), all));
    expect(configs.size).toBe(LOG_CONFIG_NAMES.length);
    const retention = configs.get('retention.ms')!;
    expect([retention.value, retention.source, retention.readOnly]).toEqual(['5000', ConfigSourceId.DYNAMIC_TOPIC_CONFIG, false]);
    expect(retention.synonyms.map((s) => [s.name, s.value, s.source])).toEqual([
      ['retention.ms', '5000', ConfigSourceId.DYNAMIC_TOPIC_CONFIG],
      ['log.retention.hours', '24', ConfigSourceId.STATIC_BROKER_CONFIG],
      ['log.retention.hours', '168', ConfigSourceId.DEFAULT_CONFIG],
    ]);
    expect(retention.configType).toBe(5); // LONG
    expect(retention.documentation).toMatch(/segment is kept/);
    const segment = configs.get('segment.bytes')!;
    expect([segment.value, segment.source]).toEqual(['1073741824', ConfigSourceId.DEFAULT_CONFIG]);
    expect(configs.get('cleanup.policy')!.configType).toBe(7); // LIST
    const plain = await admin.configs.describe(topicRes('t', ['retention.ms']), { includeSynonyms: false, includeDocumentation: false });
    expect(plain.map((c) => [c.name, c.synonyms.length, c.documentation])).toEqual([['retention.ms', 0, null]]);
  });

  it('a topic without an override shows the broker static value as its source', async () => {
    await admin.topics.createTopic({ name: 'plain' });
    const r = byName(await admin.configs.describe(topicRes('plain', ['retention.ms']), all)).get('retention.ms')!;
    expect([r.value, r.source]).toEqual([String(24 * 3600 * 1000), ConfigSourceId.STATIC_BROKER_CONFIG]);
  });

  it('describes the broker: every key, read-only unless dynamically updatable', async () => {
    const configs = byName(await admin.configs.describe(brokerRes('1'), all));
    const hours = configs.get('log.retention.hours')!;
    expect([hours.value, hours.source, hours.readOnly]).toEqual(['24', ConfigSourceId.STATIC_BROKER_CONFIG, true]);
    expect(configs.get('log.retention.ms')!.readOnly).toBe(false);
    expect(configs.get('log.retention.ms')!.value).toBeNull();
    expect(configs.get('num.partitions')!.readOnly).toBe(true);
    expect(configs.get('num.partitions')!.source).toBe(ConfigSourceId.DEFAULT_CONFIG);
    for (const key of DYNAMIC_BROKER_KEYS) expect(configs.get(key)?.readOnly, key).toBe(false);
    // The cluster-default resource lists only dynamic cluster defaults: none yet.
    expect(await admin.configs.describe(brokerRes(''), all)).toEqual([]);
  });

  it('refuses bad resources', async () => {
    expect((await refusal(admin.configs.describe(topicRes('missing'), all))).code).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    expect((await refusal(admin.configs.describe(topicRes('bad name'), all))).code).toBe('INVALID_TOPIC_EXCEPTION');
    expect((await refusal(admin.configs.describe(brokerRes('2'), all))).message).toBe('Unexpected broker id, expected 1 or empty string, but received 2');
    expect((await refusal(admin.configs.describe(brokerRes('one'), all))).code).toBe('INVALID_REQUEST');
    expect((await refusal(admin.configs.describe({ resourceType: RT.BROKER_LOGGER, resourceName: '1', configurationKeys: null }, all))).code).toBe('INVALID_REQUEST');
  });
});

describe('AlterConfigs logic', () => {
  it('replaces the whole set of topic overrides and applies it live', async () => {
    await admin.topics.createTopic({ name: 't', numPartitions: 2, configs: { 'retention.ms': '5000', 'segment.bytes': '100000' } });
    await admin.configs.alter({ resourceType: RT.TOPIC, resourceName: 't', configs: [{ name: 'retention.bytes', value: '2048' }] }, false);
    expect((await metadata.getTopic('t'))!.configs).toEqual({ 'retention.bytes': '2048' });
    expect(logs.getLog('t', 1)!.config.retentionBytes).toBe(2048);
    expect(logs.getLog('t', 1)!.config.segmentBytes).toBe(1024 * 1024 * 1024);
    const nul = await refusal(admin.configs.alter({ resourceType: RT.TOPIC, resourceName: 't', configs: [{ name: 'retention.ms', value: null }] }, false));
    expect(nul.code).toBe('INVALID_REQUEST');
    const dup = await refusal(
      admin.configs.alter({ resourceType: RT.TOPIC, resourceName: 't', configs: [{ name: 'retention.ms', value: '1' }, { name: 'retention.ms', value: '2' }] }, false),
    );
    expect(dup.message).toBe('Error due to duplicate config keys');
    await admin.configs.alter({ resourceType: RT.TOPIC, resourceName: 't', configs: [{ name: 'retention.bytes', value: '9' }] }, true);
    expect((await metadata.getTopic('t'))!.configs).toEqual({ 'retention.bytes': '2048' });
  });

  it('answers each resource of a batch alone; a resource named twice fails both times', async () => {
    await admin.topics.createTopic({ name: 'a' });
    const out = await admin.configs.forEachResource(
      [
        { resourceType: RT.TOPIC, resourceName: 'a', configs: [{ name: 'retention.ms', value: '100' }] },
        { resourceType: RT.TOPIC, resourceName: 'missing', configs: [] },
        { resourceType: RT.BROKER, resourceName: '1', configs: [{ name: 'x', value: '1' }] },
        { resourceType: RT.BROKER, resourceName: '1', configs: [] },
      ],
      (r) => admin.configs.alter(r, false),
    );
    expect(out.map((o) => o.error?.code ?? 'NONE')).toEqual(['NONE', 'UNKNOWN_TOPIC_OR_PARTITION', 'INVALID_REQUEST', 'INVALID_REQUEST']);
    expect(out[2]!.error!.message).toBe('Each resource must appear at most once.');
  });

  it('sets dynamic broker defaults that reach topics without overrides, persist, and refuses read-only keys', async () => {
    await admin.topics.createTopic({ name: 'follows' });
    await admin.topics.createTopic({ name: 'own', configs: { 'retention.ms': '1000' } });
    await admin.configs.alter({ resourceType: RT.BROKER, resourceName: '', configs: [{ name: 'log.retention.ms', value: '777000' }] }, false);
    expect(logs.getLog('follows', 0)!.config.retentionMs).toBe(777000);
    expect(logs.getLog('own', 0)!.config.retentionMs).toBe(1000);
    const described = byName(await admin.configs.describe(topicRes('follows', ['retention.ms']), all)).get('retention.ms')!;
    expect([described.value, described.source]).toEqual(['777000', ConfigSourceId.DYNAMIC_DEFAULT_BROKER_CONFIG]);
    expect((await admin.configs.describe(brokerRes(''), all)).map((c) => [c.name, c.value, c.source])).toEqual([
      ['log.retention.ms', '777000', ConfigSourceId.DYNAMIC_DEFAULT_BROKER_CONFIG],
    ]);
    // Per-broker beats the cluster default.
    await admin.configs.alter({ resourceType: RT.BROKER, resourceName: '1', configs: [{ name: 'log.retention.ms', value: '888000' }] }, false);
    expect(logs.getLog('follows', 0)!.config.retentionMs).toBe(888000);

    const readOnly = await refusal(admin.configs.alter({ resourceType: RT.BROKER, resourceName: '', configs: [{ name: 'num.partitions', value: '3' }] }, false));
    expect([readOnly.code, readOnly.message]).toEqual(['INVALID_REQUEST', expect.stringMatching(/^Cannot update these configs dynamically: Set\(num\.partitions\)/)]);
    expect((await refusal(admin.configs.alter({ resourceType: RT.BROKER, resourceName: '', configs: [{ name: 'log.nonsense', value: '3' }] }, false))).code).toBe('INVALID_CONFIG');
    const badValue = await refusal(admin.configs.alter({ resourceType: RT.BROKER, resourceName: '', configs: [{ name: 'log.segment.bytes', value: '1' }] }, false));
    expect(badValue.message).toMatch(/log\.segment\.bytes/);
    expect((await refusal(admin.configs.alter({ resourceType: RT.BROKER, resourceName: '2', configs: [] }, false))).message).toBe(
      'Unexpected broker id, expected 1, but received 2',
    );

    await close();
    await open({ 'log.retention.hours': '24' });
    expect(logs.getLog('follows', 0)!.config.retentionMs).toBe(888000);
    expect(logs.getLog('own', 0)!.config.retentionMs).toBe(1000);
    await admin.topics.createTopic({ name: 'later' });
    expect(logs.getLog('later', 0)!.config.retentionMs).toBe(888000);
    // Removing the broker's own value falls back to the cluster default.
    await admin.configs.alter({ resourceType: RT.BROKER, resourceName: '1', configs: [] }, false);
    expect(logs.getLog('later', 0)!.config.retentionMs).toBe(777000);
  });
});

describe('IncrementalAlterConfigs logic', () => {
  const inc = (resourceName: string, configs: Array<{ name: string; configOperation: number; value: string | null }>, validateOnly = false) =>
    admin.configs.incrementalAlter({ resourceType: RT.TOPIC, resourceName, configs }, validateOnly);

  it('SET and DELETE change only the named keys', async () => {
    await admin.topics.createTopic({ name: 't', configs: { 'retention.ms': '5000', 'segment.bytes': '100000' } });
    await inc('t', [
      { name: 'retention.bytes', configOperation: Op.SET, value: '4096' },
      { name: 'segment.bytes', configOperation: Op.DELETE, value: null },
    ]);
    expect((await metadata.getTopic('t'))!.configs).toEqual({ 'retention.ms': '5000', 'retention.bytes': '4096' });
    expect(logs.getLog('t', 0)!.config.segmentBytes).toBe(1024 * 1024 * 1024);
  });

  it('APPEND and SUBTRACT work on list keys from their default, and are refused for others', async () => {
    await admin.topics.createTopic({ name: 't' });
    await inc('t', [{ name: 'cleanup.policy', configOperation: Op.APPEND, value: 'compact' }]);
    expect((await metadata.getTopic('t'))!.configs['cleanup.policy']).toBe('delete,compact');
    expect(logs.getLog('t', 0)!.config.cleanupPolicy).toEqual(['delete', 'compact']);
    await inc('t', [{ name: 'cleanup.policy', configOperation: Op.SUBTRACT, value: 'delete' }]);
    expect((await metadata.getTopic('t'))!.configs['cleanup.policy']).toBe('compact');
    const notList = await refusal(inc('t', [{ name: 'retention.ms', configOperation: Op.APPEND, value: '1' }]));
    expect([notList.code, notList.message]).toEqual(['INVALID_CONFIG', 'Config value append is not allowed for config key: retention.ms']);
    const empty = await refusal(inc('t', [{ name: 'cleanup.policy', configOperation: Op.SUBTRACT, value: 'compact' }]));
    expect(empty.code).toBe('INVALID_CONFIG');
    expect((await refusal(inc('t', [{ name: 'nope', configOperation: Op.APPEND, value: 'x' }]))).message).toBe('Unknown config name: nope');
    expect((await refusal(inc('t', [{ name: 'retention.ms', configOperation: 9, value: '1' }]))).message).toBe('Unknown operations type 9');
    expect((await refusal(inc('t', [{ name: 'retention.ms', configOperation: Op.SET, value: null }]))).code).toBe('INVALID_REQUEST');
    await inc('t', [{ name: 'retention.ms', configOperation: Op.SET, value: '1' }], true);
    expect((await metadata.getTopic('t'))!.configs['retention.ms']).toBeUndefined();
  });

  it('works on broker resources too', async () => {
    await admin.topics.createTopic({ name: 'b' });
    await admin.configs.incrementalAlter(
      { resourceType: RT.BROKER, resourceName: '', configs: [{ name: 'log.cleanup.policy', configOperation: Op.APPEND, value: 'compact' }] },
      false,
    );
    expect(logs.getLog('b', 0)!.config.cleanupPolicy).toEqual(['delete', 'compact']);
    await admin.configs.incrementalAlter(
      { resourceType: RT.BROKER, resourceName: '', configs: [{ name: 'log.cleanup.policy', configOperation: Op.DELETE, value: null }] },
      false,
    );
    expect(logs.getLog('b', 0)!.config.cleanupPolicy).toEqual(['delete']);
  });
});
