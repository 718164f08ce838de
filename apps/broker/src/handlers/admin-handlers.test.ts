import { apiByKey, ApiKey, decodeResponse, encodeRecordBatchSync, ErrorCode, type RequestByKey, type ResponseByKey } from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker.js';
import { uuidToString } from '../controller/kafka-uuid.js';
import { RawClient } from '../test-support/raw-client.js';
import { silentLogger, tempDir } from '../test-support/test-env.js';
import { ADVERTISED_VERSIONS } from './advertised-versions.js';
import type { AnyApiHandler } from './handler.js';
import { defaultHandlers } from './index.js';

/**
 * The admin handlers through the real network and dispatcher, every version the codec knows: the
 * broker under test serves the admin keys over their whole range (beyond what the policy
 * advertises) so the version-dependent fields (v5+ CreateTopics configs, v6 DeleteTopics ids, v3+
 * DescribeConfigs documentation, v4 DescribeLogDirs volume bytes) are checked on the wire too.
 */
const ADMIN_KEYS = [
  ApiKey.CreateTopics,
  ApiKey.DeleteTopics,
  ApiKey.CreatePartitions,
  ApiKey.DescribeConfigs,
  ApiKey.AlterConfigs,
  ApiKey.IncrementalAlterConfigs,
  ApiKey.DeleteRecords,
  ApiKey.DescribeCluster,
  ApiKey.DescribeLogDirs,
];
const allVersions = (key: ApiKey) => apiByKey[key]!.validVersions;
const range = (key: ApiKey) => Array.from({ length: allVersions(key).max - allVersions(key).min + 1 }, (_, i) => allVersions(key).min + i);

function widened(): AnyApiHandler[] {
  return defaultHandlers().map((h) => (ADMIN_KEYS.includes(h.apiKey) ? ({ ...h, versions: allVersions(h.apiKey) } as AnyApiHandler) : h));
}

let broker: RunningBroker;
let client: RawClient;
let cleanup: () => Promise<void>;
let correlation = 0;

beforeAll(async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  broker = await startBroker({ port: 0, dataDir: t.dir, logger: silentLogger(), handlers: widened() });
  client = await RawClient.connect(broker.port);
});
afterAll(async () => {
  client.close();
  await broker.stop();
  await cleanup();
});

async function call<K extends ApiKey>(key: K, version: number, body: Partial<RequestByKey[K]>, on: RawClient = client): Promise<ResponseByKey[K]> {
  const full = { ...(apiByKey[key]!.request.defaultValue() as RequestByKey[K]), ...body };
  const id = ++correlation;
  on.send(key, version, id, full);
  const { header, body: response } = decodeResponse(key, version, await on.next());
  expect(header.correlationId).toBe(id);
  return response;
}

const topic = (name: string, over: Partial<RequestByKey[ApiKey.CreateTopics]['topics'][number]> = {}) => ({
  name,
  numPartitions: 2,
  replicationFactor: 1,
  assignments: [],
  configs: [],
  ...over,
});

describe('policy', () => {
  it('advertises every admin key the broker registers', () => {
    for (const key of ADMIN_KEYS) expect(ADVERTISED_VERSIONS[key], ApiKey[key]).toBeDefined();
  });
});

describe('CreateTopics', () => {
  it('creates a topic at every version, with v5+ metadata and configs and the v7 topic id', async () => {
    for (const v of range(ApiKey.CreateTopics)) {
      const name = `ct-v${v}`;
      const r = await call(ApiKey.CreateTopics, v, { topics: [topic(name, { configs: [{ name: 'retention.ms', value: '60000' }] })], timeoutMs: 5000 });
      const t = r.topics[0]!;
      expect([t.name, t.errorCode], `v${v}`).toEqual([name, ErrorCode.NONE]);
      const stored = await broker.services.metadata.getTopic(name);
      expect(stored?.partitions).toHaveLength(2);
      expect(broker.services.logManager.getLog(name, 1)?.config.retentionMs).toBe(60000);
      if (v >= 5) {
        expect([t.numPartitions, t.replicationFactor]).toEqual([2, 1]);
        const retention = t.configs!.find((c) => c.name === 'retention.ms')!;
        expect([retention.value, retention.configSource, retention.readOnly]).toEqual(['60000', 1, false]);
        expect(t.configs!.find((c) => c.name === 'segment.bytes')!.configSource).toBe(5);
      }
      if (v >= 7) expect(uuidToString(t.topicId)).toBe(uuidToString(stored!.topicId));
    }
  });

  it('reports each refusal on its own topic with a message', async () => {
    const v = 4;
    const r = await call(ApiKey.CreateTopics, v, {
      topics: [
        topic('ct-v0'),
        topic('ct-rf3', { replicationFactor: 3 }),
        topic('ct-badcfg', { configs: [{ name: 'cleanup.policy', value: 'shred' }] }),
        topic('ct-unknowncfg', { configs: [{ name: 'retention.weeks', value: '1' }] }),
        topic('ct-elsewhere', { numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [2] }] }),
        topic('ct-zero', { numPartitions: 0 }),
        topic('ct-ok'),
      ],
    });
    const got = Object.fromEntries(r.topics.map((t) => [t.name, [t.errorCode, t.errorMessage]]));
    expect(got['ct-v0']).toEqual([ErrorCode.TOPIC_ALREADY_EXISTS, "Topic 'ct-v0' already exists."]);
    expect(got['ct-rf3']![0]).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(got['ct-badcfg']![0]).toBe(ErrorCode.INVALID_CONFIG);
    expect(got['ct-badcfg']![1]).toMatch(/cleanup\.policy/);
    expect(got['ct-unknowncfg']).toEqual([ErrorCode.INVALID_CONFIG, 'Unknown topic config name: retention.weeks']);
    expect(got['ct-elsewhere']![0]).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(got['ct-elsewhere']![1]).toMatch(/single-node broker/);
    expect(got['ct-zero']![0]).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(got['ct-ok']![0]).toBe(ErrorCode.NONE);
  });

  it('validateOnly creates nothing; -1 takes the defaults; failed v5 results carry no configs', async () => {
    const dry = await call(ApiKey.CreateTopics, 5, { topics: [topic('ct-dry', { numPartitions: -1, replicationFactor: -1 })], validateOnly: true });
    expect([dry.topics[0]!.errorCode, dry.topics[0]!.numPartitions]).toEqual([ErrorCode.NONE, 1]);
    expect(await broker.services.metadata.getTopic('ct-dry')).toBeUndefined();
    const failed = await call(ApiKey.CreateTopics, 5, { topics: [topic('ct-v1')] });
    expect([failed.topics[0]!.numPartitions, failed.topics[0]!.replicationFactor, failed.topics[0]!.configs]).toEqual([-1, -1, []]);
  });
});

describe('DeleteTopics', () => {
  it('deletes by name at v0-5 and by id at v6, reporting unknown names and ids', async () => {
    for (const v of range(ApiKey.DeleteTopics).filter((x) => x < 6)) {
      await call(ApiKey.CreateTopics, 4, { topics: [topic(`dt-v${v}`)] });
      const r = await call(ApiKey.DeleteTopics, v, { topicNames: [`dt-v${v}`, 'dt-never'], timeoutMs: 1000 });
      expect(r.responses.map((x) => [x.name, x.errorCode]), `v${v}`).toEqual([
        [`dt-v${v}`, ErrorCode.NONE],
        ['dt-never', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ]);
      expect(await broker.services.metadata.getTopic(`dt-v${v}`)).toBeUndefined();
      expect(broker.services.logManager.getLog(`dt-v${v}`, 0)).toBeUndefined();
    }
    await call(ApiKey.CreateTopics, 4, { topics: [topic('dt-id'), topic('dt-name')] });
    const id = (await broker.services.metadata.getTopic('dt-id'))!.topicId;
    const r = await call(ApiKey.DeleteTopics, 6, {
      topics: [
        { name: null, topicId: id },
        { name: 'dt-name', topicId: Buffer.alloc(16) },
        { name: null, topicId: Buffer.alloc(16, 9) },
      ],
    });
    expect(r.responses.map((x) => [x.name, x.errorCode])).toEqual([
      ['dt-id', ErrorCode.NONE],
      ['dt-name', ErrorCode.NONE],
      [null, ErrorCode.UNKNOWN_TOPIC_ID],
    ]);
    expect(uuidToString(r.responses[0]!.topicId)).toBe(uuidToString(id));
  });

  it('refuses internal topics and, with deletion disabled, everything (INVALID_REQUEST before v3)', async () => {
    await broker.services.metadata.createTopic({ name: '__transaction_state', assignments: [[broker.nodeId]] });
    const internal = await call(ApiKey.DeleteTopics, 5, { topicNames: ['__transaction_state'] });
    expect(internal.responses[0]!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(internal.responses[0]!.errorMessage).toMatch(/internal topic/);

    const t = await tempDir();
    const locked = await startBroker({ port: 0, dataDir: t.dir, logger: silentLogger(), config: { 'delete.topic.enable': false } });
    const c = await RawClient.connect(locked.port);
    try {
      await call(ApiKey.CreateTopics, 3, { topics: [topic('kept')] }, c);
      expect((await call(ApiKey.DeleteTopics, 2, { topicNames: ['kept'] }, c)).responses[0]!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
      expect((await call(ApiKey.DeleteTopics, 3, { topicNames: ['kept'] }, c)).responses[0]!.errorCode).toBe(ErrorCode.TOPIC_DELETION_DISABLED);
      expect(await locked.services.metadata.getTopic('kept')).toBeDefined();
    } finally {
      c.close();
      await locked.stop();
      await t.cleanup();
    }
  });
});

describe('CreatePartitions', () => {
  it('grows topics at every version and refuses shrinking, foreign assignments and duplicates', async () => {
    await call(ApiKey.CreateTopics, 4, { topics: [topic('cp', { numPartitions: 1 })] });
    let count = 1;
    for (const v of range(ApiKey.CreatePartitions)) {
      count++;
      const r = await call(ApiKey.CreatePartitions, v, { topics: [{ name: 'cp', count, assignments: null }], timeoutMs: 1000 });
      expect(r.results.map((x) => [x.name, x.errorCode]), `v${v}`).toEqual([['cp', ErrorCode.NONE]]);
      expect(broker.services.logManager.getLog('cp', count - 1)).toBeDefined();
    }
    const r = await call(ApiKey.CreatePartitions, 1, {
      topics: [
        { name: 'cp', count: 2, assignments: null },
        { name: 'cp-missing', count: 3, assignments: null },
        { name: 'cp-dup', count: 3, assignments: null },
        { name: 'cp-dup', count: 3, assignments: null },
      ],
    });
    expect(r.results.map((x) => x.errorCode)).toEqual([
      ErrorCode.INVALID_PARTITIONS,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
    ]);
    const foreign = await call(ApiKey.CreatePartitions, 1, { topics: [{ name: 'cp', count: count + 1, assignments: [{ brokerIds: [7] }] }] });
    expect(foreign.results[0]!.errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    const dry = await call(ApiKey.CreatePartitions, 1, { topics: [{ name: 'cp', count: count + 3, assignments: null }], validateOnly: true });
    expect(dry.results[0]!.errorCode).toBe(ErrorCode.NONE);
    expect((await broker.services.metadata.getTopic('cp'))!.partitions).toHaveLength(count);
  });
});

describe('DescribeConfigs', () => {
  it('describes topic and broker resources at every version', async () => {
    await call(ApiKey.CreateTopics, 4, { topics: [topic('dc', { configs: [{ name: 'segment.bytes', value: '1048576' }] })] });
    for (const v of range(ApiKey.DescribeConfigs)) {
      const r = await call(ApiKey.DescribeConfigs, v, {
        resources: [
          { resourceType: 2, resourceName: 'dc', configurationKeys: ['segment.bytes', 'retention.ms'] },
          { resourceType: 4, resourceName: String(broker.nodeId), configurationKeys: ['log.dirs', 'log.retention.ms'] },
          { resourceType: 2, resourceName: 'dc-missing', configurationKeys: null },
        ],
        includeSynonyms: v >= 1,
        includeDocumentation: v >= 3,
      });
      const [t, b, missing] = r.results;
      expect(t!.errorCode, `v${v}`).toBe(ErrorCode.NONE);
      const segment = t!.configs.find((c) => c.name === 'segment.bytes')!;
      const retention = t!.configs.find((c) => c.name === 'retention.ms')!;
      expect(t!.configs).toHaveLength(2);
      expect(segment.value).toBe('1048576');
      if (v === 0) {
        expect([segment.isDefault, retention.isDefault]).toEqual([false, true]);
      } else {
        expect([segment.configSource, retention.configSource]).toEqual([1, 5]);
        expect(segment.synonyms.map((s) => s.name)).toEqual(['segment.bytes', 'log.segment.bytes']);
      }
      if (v >= 3) {
        expect(segment.configType).toBe(3);
        expect(segment.documentation).toMatch(/segment/);
      }
      const dirs = b!.configs.find((c) => c.name === 'log.dirs')!;
      expect([dirs.readOnly, dirs.value]).toEqual([true, broker.config.logDirs.join(',')]);
      expect(b!.configs.find((c) => c.name === 'log.retention.ms')!.readOnly).toBe(false);
      expect([missing!.errorCode, missing!.configs]).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, []]);
    }
    const wrongBroker = await call(ApiKey.DescribeConfigs, 2, { resources: [{ resourceType: 4, resourceName: '99', configurationKeys: null }] });
    expect(wrongBroker.results[0]!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });
});

describe('AlterConfigs and IncrementalAlterConfigs', () => {
  it('alter topic configs live at every version and refuse what Kafka refuses', async () => {
    await call(ApiKey.CreateTopics, 4, { topics: [topic('ac')] });
    for (const v of range(ApiKey.AlterConfigs)) {
      const bytes = String(10_000 + v);
      const r = await call(ApiKey.AlterConfigs, v, { resources: [{ resourceType: 2, resourceName: 'ac', configs: [{ name: 'retention.bytes', value: bytes }] }] });
      expect([r.responses[0]!.resourceName, r.responses[0]!.errorCode], `v${v}`).toEqual(['ac', ErrorCode.NONE]);
      expect(broker.services.logManager.getLog('ac', 0)!.config.retentionBytes).toBe(Number(bytes));
    }
    for (const v of range(ApiKey.IncrementalAlterConfigs)) {
      const r = await call(ApiKey.IncrementalAlterConfigs, v, {
        resources: [{ resourceType: 2, resourceName: 'ac', configs: [{ name: 'cleanup.policy', configOperation: 2, value: 'compact' }] }],
      });
      expect(r.responses[0]!.errorCode, `v${v}`).toBe(ErrorCode.NONE);
      expect(broker.services.logManager.getLog('ac', 1)!.config.cleanupPolicy).toEqual(['delete', 'compact']);
      // The incremental change kept the AlterConfigs override.
      expect((await broker.services.metadata.getTopic('ac'))!.configs['retention.bytes']).toBeDefined();
      await call(ApiKey.IncrementalAlterConfigs, v, {
        resources: [{ resourceType: 2, resourceName: 'ac', configs: [{ name: 'cleanup.policy', configOperation: 1, value: null }] }],
      });
    }
    const refused = await call(ApiKey.AlterConfigs, 1, {
      resources: [
        { resourceType: 2, resourceName: 'ac-missing', configs: [] },
        { resourceType: 2, resourceName: 'ac', configs: [{ name: 'max.message.bytes', value: '-5' }] },
        { resourceType: 4, resourceName: '', configs: [{ name: 'log.dirs', value: '/elsewhere' }] },
        { resourceType: 4, resourceName: String(broker.nodeId), configs: [{ name: 'log.segment.bytes', value: '2097152' }] },
      ],
      validateOnly: true,
    });
    expect(refused.responses.map((x) => x.errorCode)).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_CONFIG, ErrorCode.INVALID_REQUEST, ErrorCode.NONE]);
    expect(refused.responses[2]!.errorMessage).toMatch(/Cannot update these configs dynamically/);
    // validateOnly: the valid broker change was not applied.
    expect(broker.services.logManager.getLog('ac', 0)!.config.segmentBytes).toBe(1024 * 1024 * 1024);
  });
});

describe('DeleteRecords', () => {
  it('moves the low watermark at every version; -1 means the high watermark; beyond it is out of range', async () => {
    await call(ApiKey.CreateTopics, 4, { topics: [topic('dr', { numPartitions: 1 })] });
    const log = broker.services.logManager.getLog('dr', 0)!;
    for (let i = 0; i < 6; i++) await log.append(encodeRecordBatchSync({ records: [{ value: Buffer.from(`r${i}`) }] }));
    let expected = 0n;
    for (const v of range(ApiKey.DeleteRecords)) {
      expected += 1n;
      const r = await call(ApiKey.DeleteRecords, v, { topics: [{ name: 'dr', partitions: [{ partitionIndex: 0, offset: expected }] }], timeoutMs: 1000 });
      expect(r.topics[0]!.partitions[0], `v${v}`).toEqual({ partitionIndex: 0, lowWatermark: expected, errorCode: ErrorCode.NONE });
    }
    expect(log.logStartOffset).toBe(Number(expected));
    const r = await call(ApiKey.DeleteRecords, 1, {
      topics: [
        { name: 'dr', partitions: [{ partitionIndex: 0, offset: 99n }] },
        { name: 'dr', partitions: [{ partitionIndex: 5, offset: 1n }] },
        { name: 'dr-missing', partitions: [{ partitionIndex: 0, offset: 1n }] },
      ],
    });
    expect(r.topics.map((t) => [t.partitions[0]!.errorCode, t.partitions[0]!.lowWatermark])).toEqual([
      [ErrorCode.OFFSET_OUT_OF_RANGE, -1n],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n],
    ]);
    const all = await call(ApiKey.DeleteRecords, 1, { topics: [{ name: 'dr', partitions: [{ partitionIndex: 0, offset: -1n }] }] });
    expect(all.topics[0]!.partitions[0]!.lowWatermark).toBe(6n);
    expect(log.logStartOffset).toBe(6);
    // A compacted topic keeps its records: Kafka refuses with POLICY_VIOLATION.
    await call(ApiKey.CreateTopics, 4, { topics: [topic('dr-compact', { numPartitions: 1, configs: [{ name: 'cleanup.policy', value: 'compact' }] })] });
    const compacted = await call(ApiKey.DeleteRecords, 1, { topics: [{ name: 'dr-compact', partitions: [{ partitionIndex: 0, offset: 0n }] }] });
    expect(compacted.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.POLICY_VIOLATION);
  });
});

describe('DescribeCluster', () => {
  it('lists this broker as the controller at every version', async () => {
    for (const v of range(ApiKey.DescribeCluster)) {
      const r = await call(ApiKey.DescribeCluster, v, { includeClusterAuthorizedOperations: true });
      expect([r.errorCode, r.clusterId, r.controllerId], `v${v}`).toEqual([ErrorCode.NONE, broker.clusterId, broker.nodeId]);
      expect(r.brokers).toEqual([{ brokerId: broker.nodeId, host: broker.host, port: broker.port, rack: null }]);
      // DESCRIBE (8) and ALTER_CONFIGS (11) among the cluster operations.
      expect(r.clusterAuthorizedOperations & (1 << 8)).not.toBe(0);
      expect(r.clusterAuthorizedOperations & (1 << 11)).not.toBe(0);
    }
    const notAsked = await call(ApiKey.DescribeCluster, 0, { includeClusterAuthorizedOperations: false });
    expect(notAsked.clusterAuthorizedOperations).toBe(-2147483648);
    const controller = await call(ApiKey.DescribeCluster, 1, { endpointType: 2 });
    expect(controller.errorCode).toBe(ErrorCode.MISMATCHED_ENDPOINT_TYPE);
  });
});

describe('DescribeLogDirs', () => {
  it('lists partitions with their sizes at every version, and the volume size from v4', async () => {
    await call(ApiKey.CreateTopics, 4, { topics: [topic('ld', { numPartitions: 2 })] });
    await broker.services.logManager.getLog('ld', 1)!.append(encodeRecordBatchSync({ records: [{ value: Buffer.alloc(100) }] }));
    for (const v of range(ApiKey.DescribeLogDirs)) {
      const r = await call(ApiKey.DescribeLogDirs, v, { topics: [{ topic: 'ld', partitions: [1] }] });
      expect(r.results, `v${v}`).toHaveLength(1);
      const dir = r.results[0]!;
      expect([dir.errorCode, dir.logDir]).toEqual([ErrorCode.NONE, broker.config.logDirs[0]]);
      expect(dir.topics).toHaveLength(1);
      expect(dir.topics[0]!.name).toBe('ld');
      const p = dir.topics[0]!.partitions;
      expect(p.map((x) => [x.partitionIndex, x.offsetLag, x.isFutureKey])).toEqual([[1, 0n, false]]);
      expect(p[0]!.partitionSize).toBe(BigInt(broker.services.logManager.getLog('ld', 1)!.size));
      expect(p[0]!.partitionSize > 100n).toBe(true);
      if (v >= 4) {
        expect(dir.totalBytes > 0n).toBe(true);
        expect(dir.usableBytes > 0n && dir.usableBytes <= dir.totalBytes).toBe(true);
      }
    }
    const everything = await call(ApiKey.DescribeLogDirs, 1, { topics: null });
    const names = everything.results[0]!.topics.map((t) => t.name);
    expect(names).toContain('ld');
    expect(names).toContain('cp');
  });
});
