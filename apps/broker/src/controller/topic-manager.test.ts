import { readdir } from 'node:fs/promises';
import { encodeRecordBatchSync } from '@tributary/protocol';
import { LogManager } from '@tributary/storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BrokerConfig } from '../config/broker-config.js';
import { memoryLogger, tempDir } from '../test-support/test-env.js';
import { isAdminError, type AdminError } from './admin-error.js';
import { openAdminPlane, type AdminPlane } from './admin-plane.js';
import { EmbeddedMetadataStore } from './embedded-metadata-store.js';
import type { TopicManager } from './topic-manager.js';

let dir: string;
let cleanup: () => Promise<void>;
let metadata: EmbeddedMetadataStore;
let logs: LogManager;
let admin: AdminPlane;
let topics: TopicManager;

async function open(values: Record<string, unknown> = {}): Promise<void> {
  const config = BrokerConfig.resolve([{ source: 'programmatic', origin: 'test', entries: Object.entries({ 'log.dirs': dir, ...values }).map(([key, value]) => ({ key, value })) }]);
  metadata = await EmbeddedMetadataStore.open({ dir, nodeId: config.nodeId, clusterId: null });
  logs = await LogManager.open({ logDirs: [dir], defaultConfig: config.defaultLogConfig });
  admin = await openAdminPlane({ config, metadata, logManager: logs, logger: memoryLogger().logger });
  topics = admin.topics;
}

async function close(): Promise<void> {
  await logs.close();
  await metadata.close();
}

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  await open();
});
afterEach(async () => {
  await close();
  await cleanup();
});

async function refusal(p: Promise<unknown>): Promise<AdminError> {
  try {
    await p;
  } catch (err) {
    if (isAdminError(err)) return err;
    throw err;
  }
  throw new Error('expected an AdminError');
}

const partitionDirs = async (topic: string) => (await readdir(dir)).filter((n) => n.startsWith(`${topic}-`) && /-\d+$/.test(n)).sort();

describe('TopicManager.createTopic', () => {
  it('creates the metadata entry and one log per partition with the effective config', async () => {
    const t = await topics.createTopic({ name: 'orders', numPartitions: 3, replicationFactor: 1, configs: { 'retention.ms': '60000' } });
    expect(t.numPartitions).toBe(3);
    expect(t.replicationFactor).toBe(1);
    expect(t.topicId.some((b) => b !== 0)).toBe(true);
    expect((await metadata.getTopic('orders'))?.configs).toEqual({ 'retention.ms': '60000' });
    expect(await partitionDirs('orders')).toEqual(['orders-0', 'orders-1', 'orders-2']);
    expect(logs.getLog('orders', 2)?.config.retentionMs).toBe(60000);
    expect(logs.getLog('orders', 2)?.config.segmentBytes).toBe(1024 * 1024 * 1024);
  });

  it('takes num.partitions and default.replication.factor for -1 or absent values', async () => {
    await close();
    await open({ 'num.partitions': 4 });
    const t = await topics.createTopic({ name: 'defaults', numPartitions: -1, replicationFactor: -1 });
    expect([t.numPartitions, t.replicationFactor]).toEqual([4, 1]);
    expect((await topics.createTopic({ name: 'absent' })).numPartitions).toBe(4);
  });

  it('refuses a replication factor above one on a single node, saying why', async () => {
    const e = await refusal(topics.createTopic({ name: 'rf', numPartitions: 1, replicationFactor: 3 }));
    expect(e.code).toBe('INVALID_REPLICATION_FACTOR');
    expect(e.message).toMatch(/Replication factor: 3 larger than available brokers: 1/);
    expect(e.message).toMatch(/single-node/);
    expect((await refusal(topics.createTopic({ name: 'rf0', numPartitions: 1, replicationFactor: 0 }))).code).toBe('INVALID_REPLICATION_FACTOR');
    expect(await metadata.getTopic('rf')).toBeUndefined();
  });

  it('accepts explicit assignments naming only this node and refuses others clearly', async () => {
    const ok = await topics.createTopic({ name: 'manual', assignments: [{ partitionIndex: 1, brokerIds: [1] }, { partitionIndex: 0, brokerIds: [1] }] });
    expect(ok.numPartitions).toBe(2);
    const other = await refusal(topics.createTopic({ name: 'elsewhere', assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }] }));
    expect(other.code).toBe('INVALID_REPLICA_ASSIGNMENT');
    expect(other.message).toMatch(/Unknown broker\(s\) in replica assignment: 2\. This is a single-node broker/);
    const gap = await refusal(topics.createTopic({ name: 'gap', assignments: [{ partitionIndex: 0, brokerIds: [1] }, { partitionIndex: 2, brokerIds: [1] }] }));
    expect(gap.message).toBe('partitions should be a consecutive 0-based integer sequence');
    const both = await refusal(topics.createTopic({ name: 'both', numPartitions: 2, assignments: [{ partitionIndex: 0, brokerIds: [1] }] }));
    expect(both.code).toBe('INVALID_REQUEST');
  });

  it('validates configs with storage parser: unknown key and bad value are INVALID_CONFIG naming the key', async () => {
    const unknown = await refusal(topics.createTopic({ name: 'c1', configs: { 'retention.msec': '1' } }));
    expect(unknown.code).toBe('INVALID_CONFIG');
    expect(unknown.message).toMatch(/retention\.msec/);
    const bad = await refusal(topics.createTopic({ name: 'c2', configs: { 'segment.bytes': '10' } }));
    expect(bad.code).toBe('INVALID_CONFIG');
    expect(bad.message).toMatch(/segment\.bytes.*at least 14/);
    const nul = await refusal(topics.createTopic({ name: 'c3', configs: { 'retention.ms': null } }));
    expect(nul.code).toBe('INVALID_REQUEST');
    expect(await topics.listTopics()).toEqual([]);
    expect(await partitionDirs('c2')).toEqual([]);
  });

  it('refuses bad names, existing and colliding topics, and silly partition counts', async () => {
    await topics.createTopic({ name: 'a.b' });
    expect((await refusal(topics.createTopic({ name: 'a.b' }))).code).toBe('TOPIC_ALREADY_EXISTS');
    expect((await refusal(topics.createTopic({ name: 'a_b' }))).message).toMatch(/collides with existing topic: a\.b/);
    expect((await refusal(topics.createTopic({ name: 'bad name' }))).code).toBe('INVALID_TOPIC_EXCEPTION');
    expect((await refusal(topics.createTopic({ name: '__cluster_metadata' }))).code).toBe('INVALID_REQUEST');
    expect((await refusal(topics.createTopic({ name: 'zero', numPartitions: 0 }))).code).toBe('INVALID_PARTITIONS');
    const huge = await refusal(topics.createTopic({ name: 'huge', numPartitions: 2_000_000_000 }));
    expect(huge.code).toBe('INVALID_PARTITIONS');
    expect(await partitionDirs('huge')).toEqual([]);
  });

  it('validateOnly checks everything and creates nothing', async () => {
    const t = await topics.createTopic({ name: 'dry', numPartitions: 2, configs: { 'cleanup.policy': 'compact' } }, { validateOnly: true });
    expect(t.numPartitions).toBe(2);
    expect(t.logConfig.cleanupPolicy).toEqual(['compact']);
    expect(t.topicId.every((b) => b === 0)).toBe(true);
    expect(await metadata.getTopic('dry')).toBeUndefined();
    expect(await partitionDirs('dry')).toEqual([]);
    expect((await refusal(topics.createTopic({ name: 'dry', replicationFactor: 2 }, { validateOnly: true }))).code).toBe('INVALID_REPLICATION_FACTOR');
  });

  it('createTopics answers each topic alone and refuses a name given twice', async () => {
    const out = await topics.createTopics([{ name: 'x' }, { name: 'dup' }, { name: 'y', replicationFactor: 2 }, { name: 'dup' }]);
    expect(out.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(['ok', 'INVALID_REQUEST', 'INVALID_REPLICATION_FACTOR', 'INVALID_REQUEST']);
    expect(out[1]!.ok ? '' : out[1]!.error.message).toBe('Found multiple entries for this topic.');
    expect((await topics.listTopics()).map((t) => t.name)).toEqual(['x']);
  });
});

describe('TopicManager.deleteTopic', () => {
  it('removes the metadata first, then renames the logs away', async () => {
    await topics.createTopic({ name: 'gone', numPartitions: 2 });
    await topics.deleteTopic('gone');
    expect(await metadata.getTopic('gone')).toBeUndefined();
    expect(logs.getLog('gone', 0)).toBeUndefined();
    expect(await partitionDirs('gone')).toEqual([]);
    expect((await readdir(dir)).filter((n) => n.startsWith('gone-') && n.endsWith('-delete'))).toHaveLength(2);
    expect((await refusal(topics.deleteTopic('gone'))).code).toBe('UNKNOWN_TOPIC_OR_PARTITION');
  });

  it('protects internal topics and honours delete.topic.enable', async () => {
    await metadata.createTopic({ name: '__consumer_offsets', assignments: [[1]] });
    const e = await refusal(topics.deleteTopic('__consumer_offsets'));
    expect(e.code).toBe('INVALID_REQUEST');
    expect(e.message).toMatch(/internal topic/);
    expect(await metadata.getTopic('__consumer_offsets')).toBeDefined();
    await close();
    await open({ 'delete.topic.enable': false });
    await topics.createTopic({ name: 'kept' });
    expect((await refusal(topics.deleteTopic('kept'))).code).toBe('TOPIC_DELETION_DISABLED');
    const batch = await topics.deleteTopics([{ name: 'kept' }, { name: 'unknown' }]);
    expect(batch.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(['TOPIC_DELETION_DISABLED', 'TOPIC_DELETION_DISABLED']);
  });

  it('deleteTopics resolves ids and applies Kafka request checks', async () => {
    const t = await topics.createTopic({ name: 'by-id' });
    await topics.createTopic({ name: 'twice' });
    const unknownId = Buffer.alloc(16, 7);
    const out = await topics.deleteTopics([
      { topicId: t.topicId },
      { topicId: unknownId },
      { name: 'twice' },
      { name: 'twice' },
      { name: 'by-id', topicId: t.topicId },
      {},
    ]);
    expect(out.map((o) => (o.ok ? `ok:${o.value.name}` : o.error.code))).toEqual([
      'ok:by-id',
      'UNKNOWN_TOPIC_ID',
      'INVALID_REQUEST',
      'INVALID_REQUEST',
      'INVALID_REQUEST',
      'INVALID_REQUEST',
    ]);
    expect((await topics.listTopics()).map((x) => x.name)).toEqual(['twice']);
  });

  it('never leaves logs of a deleted topic behind when create and delete race', async () => {
    for (let round = 0; round < 5; round++) {
      const [created, deleted] = await Promise.allSettled([topics.createTopic({ name: 'race', numPartitions: 4 }), topics.deleteTopic('race')]);
      expect(created.status).toBe('fulfilled');
      const exists = (await metadata.getTopic('race')) !== undefined;
      // Whichever ran first, the logs match the metadata: all four partitions, or none.
      expect(exists).toBe(deleted.status === 'rejected');
      expect(logs.allLogs().filter((l) => l.topicPartition.topic === 'race')).toHaveLength(exists ? 4 : 0);
      if (exists) await topics.deleteTopic('race');
    }
  });
});

describe('TopicManager.createPartitions', () => {
  it('adds partitions with logs, refusing counts that do not grow and foreign assignments', async () => {
    await topics.createTopic({ name: 'grow', numPartitions: 2, configs: { 'segment.bytes': '100000' } });
    await topics.createPartitions('grow', 4, null);
    expect((await metadata.getTopic('grow'))?.partitions).toHaveLength(4);
    expect(logs.getLog('grow', 3)?.config.segmentBytes).toBe(100000);
    expect((await refusal(topics.createPartitions('grow', 4, null))).message).toBe('Topic already has 4 partitions.');
    expect((await refusal(topics.createPartitions('grow', 3, null))).message).toBe('Topic currently has 4 partitions, which is higher than the requested 3.');
    const foreign = await refusal(topics.createPartitions('grow', 5, [[2]]));
    expect(foreign.code).toBe('INVALID_REPLICA_ASSIGNMENT');
    expect(foreign.message).toMatch(/single-node/);
    expect((await refusal(topics.createPartitions('grow', 6, [[1]]))).message).toMatch(/by 2 but 1 assignments/);
    await topics.createPartitions('grow', 5, [[1]]);
    expect((await refusal(topics.createPartitions('nope', 5, null))).code).toBe('UNKNOWN_TOPIC_OR_PARTITION');
  });

  it('validateOnly leaves the topic as it was', async () => {
    await topics.createTopic({ name: 'same', numPartitions: 1 });
    const preview = await topics.createPartitions('same', 3, null, { validateOnly: true });
    expect(preview.partitions).toHaveLength(3);
    expect((await metadata.getTopic('same'))?.partitions).toHaveLength(1);
    expect(logs.getLog('same', 1)).toBeUndefined();
  });
});

describe('TopicManager configs', () => {
  it('replaces the override set and applies it to every partition log at once', async () => {
    await topics.createTopic({ name: 'live', numPartitions: 2, configs: { 'retention.ms': '1000', 'cleanup.policy': 'compact' } });
    await topics.replaceTopicConfigs('live', { 'segment.bytes': '4096' });
    expect((await metadata.getTopic('live'))?.configs).toEqual({ 'segment.bytes': '4096' });
    for (const p of [0, 1]) {
      const cfg = logs.getLog('live', p)!.config;
      expect([cfg.segmentBytes, cfg.retentionMs, cfg.cleanupPolicy]).toEqual([4096, 7 * 24 * 3600 * 1000, ['delete']]);
    }
    expect((await refusal(topics.replaceTopicConfigs('live', { 'segment.bytes': 'big' }))).code).toBe('INVALID_CONFIG');
    await topics.replaceTopicConfigs('live', { 'segment.bytes': '8192' }, { validateOnly: true });
    expect(logs.getLog('live', 0)!.config.segmentBytes).toBe(4096);
  });

  it('a live segment.bytes makes the log roll at the new size', async () => {
    await topics.createTopic({ name: 'roll' });
    const log = logs.getLog('roll', 0)!;
    const batch = () => encodeRecordBatchSync({ records: [{ value: Buffer.alloc(300, 1) }] });
    for (let i = 0; i < 4; i++) await log.append(batch());
    expect(log.segments()).toHaveLength(1);
    await topics.replaceTopicConfigs('roll', { 'segment.bytes': '700' });
    for (let i = 0; i < 4; i++) await log.append(batch());
    expect(log.segments().length).toBeGreaterThanOrEqual(3);
  });
});

describe('TopicManager.start', () => {
  it('recreates a missing partition log and deletes logs the metadata store does not know', async () => {
    await topics.createTopic({ name: 'kept', numPartitions: 2 });
    await logs.getOrCreateLog('orphan', 0);
    await logs.deleteLog('kept', 1); // as if its directory had been lost
    await close();
    await open();
    expect(logs.getLog('kept', 1)).toBeDefined();
    expect(logs.getLog('orphan', 0)).toBeUndefined();
    expect(await partitionDirs('orphan')).toEqual([]);
    expect(await partitionDirs('kept')).toEqual(['kept-0', 'kept-1']);
  });

  it('keeps topic configs across a restart', async () => {
    await topics.createTopic({ name: 'durable', configs: { 'retention.bytes': '12345' } });
    await topics.replaceTopicConfigs('durable', { 'retention.bytes': '54321', 'segment.ms': '60000' });
    await close();
    await open();
    expect((await metadata.getTopic('durable'))?.configs).toEqual({ 'retention.bytes': '54321', 'segment.ms': '60000' });
    expect(logs.getLog('durable', 0)!.config.retentionBytes).toBe(54321);
  });
});
