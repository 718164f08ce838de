import { Kafka, logLevel, type Admin, type ConfigEntries } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker.js';
import { silentLogger, tempDir } from '../test-support/test-env.js';

/**
 * The admin plane driven by kafkajs 2.2.4's admin client (a client nobody here wrote): create with
 * configs, metadata, describe/alter configs, partitions, records and topic deletion, the cluster
 * description — and topic configs that take effect on the live logs and survive a restart.
 */
const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;

let dataDir: string;
let cleanup: () => Promise<void>;
let broker: RunningBroker;
let admin: Admin;

async function start(): Promise<void> {
  // Retention runs every 200 ms here, so a lowered retention.bytes shows within the test.
  broker = await startBroker({ port: 0, dataDir, logger: silentLogger(), config: { 'log.retention.check.interval.ms': 200, 'log.segment.delete.delay.ms': 0 } });
  admin = new Kafka({ clientId: 'h9-kafkajs', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
  await admin.connect();
}
async function stop(): Promise<void> {
  await admin.disconnect();
  await broker.stop();
}

beforeAll(async () => {
  ({ dir: dataDir, cleanup } = await tempDir());
  await start();
});
afterAll(async () => {
  await stop();
  await cleanup();
});

async function topicConfigs(topic: string, names?: string[]): Promise<Record<string, ConfigEntries>> {
  const r = await admin.describeConfigs({ resources: [{ type: RESOURCE_TOPIC, name: topic, ...(names && { configNames: names }) }], includeSynonyms: true });
  expect(r.resources[0]!.errorCode).toBe(0);
  return Object.fromEntries(r.resources[0]!.configEntries.map((e) => [e.configName, e]));
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('kafkajs admin', () => {
  it('creates topics with configs, refuses what a single node cannot do, and lists them', async () => {
    expect(
      await admin.createTopics({
        topics: [
          { topic: 'kj-orders', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] },
          { topic: 'kj-compact', numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
        ],
      }),
    ).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic: 'kj-orders', numPartitions: 3 }] })).toBe(false);
    await expect(admin.createTopics({ topics: [{ topic: 'kj-rf3', numPartitions: 1, replicationFactor: 3 }] })).rejects.toMatchObject({
      errors: [expect.objectContaining({ type: 'INVALID_REPLICATION_FACTOR' })],
    });
    await expect(admin.createTopics({ topics: [{ topic: 'kj-bad', configEntries: [{ name: 'segment.bytes', value: 'huge' }] }] })).rejects.toMatchObject({
      errors: [expect.objectContaining({ type: 'INVALID_CONFIG' })],
    });
    // No waiting for leaders: a validated topic has none (kafkajs would ask Metadata for it).
    expect(await admin.createTopics({ topics: [{ topic: 'kj-dry', numPartitions: 2 }], validateOnly: true, waitForLeaders: false })).toBe(true);

    const listed = (await admin.listTopics()).filter((t) => t.startsWith('kj-')).sort();
    expect(listed).toEqual(['kj-compact', 'kj-orders']);
    const meta = await admin.fetchTopicMetadata({ topics: ['kj-orders'] });
    expect(meta.topics[0]!.partitions.map((p) => [p.partitionId, p.leader, p.replicas]).sort()).toEqual([
      [0, broker.nodeId, [broker.nodeId]],
      [1, broker.nodeId, [broker.nodeId]],
      [2, broker.nodeId, [broker.nodeId]],
    ]);
  });

  it('describes topic and broker configs with sources and synonyms', async () => {
    const configs = await topicConfigs('kj-orders');
    expect(configs['retention.ms']).toMatchObject({ configValue: '3600000', configSource: 1, readOnly: false, isDefault: false });
    expect(configs['retention.ms']!.configSynonyms.map((s) => s.configName)).toEqual(['retention.ms', 'log.retention.hours']);
    expect(configs['segment.bytes']).toMatchObject({ configValue: '1073741824', configSource: 5, isDefault: true });
    const brokerSide = await admin.describeConfigs({
      resources: [{ type: RESOURCE_BROKER, name: String(broker.nodeId), configNames: ['log.retention.check.interval.ms', 'log.segment.bytes'] }],
      includeSynonyms: false,
    });
    const entries = Object.fromEntries(brokerSide.resources[0]!.configEntries.map((e) => [e.configName, e]));
    expect(entries['log.retention.check.interval.ms']).toMatchObject({ configValue: '200', readOnly: true });
    expect(entries['log.segment.bytes']).toMatchObject({ configValue: '1073741824', readOnly: false });
  });

  it('alters configs, which the logs honour at once (segment.bytes rolls, retention.bytes deletes)', async () => {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: RESOURCE_TOPIC, name: 'kj-orders', configEntries: [{ name: 'segment.bytes', value: '2048' }] }],
    });
    // AlterConfigs replaces the whole set: retention.ms is back to its default.
    const after = await topicConfigs('kj-orders', ['segment.bytes', 'retention.ms']);
    expect([after['segment.bytes']!.configValue, after['retention.ms']!.configValue, after['retention.ms']!.configSource]).toEqual([
      '2048',
      String(7 * 24 * 3600 * 1000),
      5,
    ]);

    const producer = new Kafka({ clientId: 'h9-kafkajs-producer', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    for (let i = 0; i < 20; i++) {
      await producer.send({ topic: 'kj-orders', messages: [{ key: 'k', value: 'x'.repeat(400), partition: 0 }] });
    }
    await producer.disconnect();
    const log = broker.services.logManager.getLog('kj-orders', 0)!;
    expect(log.logEndOffset).toBe(20);
    expect(log.segments().length).toBeGreaterThan(3);
    expect(log.logStartOffset).toBe(0);

    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: RESOURCE_TOPIC,
          name: 'kj-orders',
          configEntries: [
            { name: 'segment.bytes', value: '2048' },
            { name: 'retention.bytes', value: '3000' },
          ],
        },
      ],
    });
    await until('retention to delete old segments', async () => {
      const offsets = await admin.fetchTopicOffsets('kj-orders');
      return Number(offsets.find((o) => o.partition === 0)!.low) > 0;
    });
    expect(log.size).toBeLessThanOrEqual(3000 + 2048);
  });

  it('adds partitions, deletes records and describes the cluster', async () => {
    await admin.createPartitions({ topicPartitions: [{ topic: 'kj-compact', count: 3 }] });
    expect((await admin.fetchTopicMetadata({ topics: ['kj-compact'] })).topics[0]!.partitions).toHaveLength(3);
    await expect(admin.createPartitions({ topicPartitions: [{ topic: 'kj-compact', count: 2 }] })).rejects.toMatchObject({ type: 'INVALID_PARTITIONS' });

    await admin.createTopics({ topics: [{ topic: 'kj-records', numPartitions: 1 }] });
    const producer = new Kafka({ clientId: 'h9-kafkajs-records', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic: 'kj-records', messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })) });
    await producer.disconnect();
    // kafkajs looks the leader up in its metadata cache without refreshing it.
    await admin.fetchTopicMetadata({ topics: ['kj-records'] });
    await admin.deleteTopicRecords({ topic: 'kj-records', partitions: [{ partition: 0, offset: '4' }] });
    expect((await admin.fetchTopicOffsets('kj-records'))[0]).toMatchObject({ low: '4', high: '10' });
    await admin.deleteTopicRecords({ topic: 'kj-records', partitions: [{ partition: 0, offset: '-1' }] });
    expect((await admin.fetchTopicOffsets('kj-records'))[0]).toMatchObject({ low: '10', high: '10' });

    const cluster = await admin.describeCluster();
    expect(cluster).toEqual({ brokers: [{ nodeId: broker.nodeId, host: broker.host, port: broker.port }], controller: broker.nodeId, clusterId: broker.clusterId });
  });

  it('keeps topic configs across a restart, then deletes topics', async () => {
    await stop();
    await start();
    const configs = await topicConfigs('kj-orders', ['segment.bytes', 'retention.bytes']);
    expect([configs['segment.bytes']!.configValue, configs['retention.bytes']!.configValue]).toEqual(['2048', '3000']);
    expect(broker.services.logManager.getLog('kj-orders', 2)!.config.segmentBytes).toBe(2048);
    expect((await topicConfigs('kj-compact', ['cleanup.policy']))['cleanup.policy']!.configValue).toBe('compact');

    await admin.deleteTopics({ topics: ['kj-orders', 'kj-compact', 'kj-records'] });
    expect((await admin.listTopics()).filter((t) => t.startsWith('kj-'))).toEqual([]);
    expect(broker.services.logManager.allLogs().filter((l) => l.topicPartition.topic.startsWith('kj-'))).toEqual([]);
    // Retriable for kafkajs, so it retries and then reports the broker's error as the cause.
    const again = await admin.deleteTopics({ topics: ['kj-orders'] }).then(
      () => undefined,
      (e: { type?: string; cause?: { type?: string } }) => e.cause?.type ?? e.type,
    );
    expect(again).toBe('UNKNOWN_TOPIC_OR_PARTITION');
  });
});
