import { ErrorCode } from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TributaryClient } from '../client.js';
import { type TestBroker, eventually, startTestBroker, uniqueTopic } from '../testing/broker.test.helper.js';
import type { Admin } from './admin.js';
import { ResourceType } from './types.js';

let tb: TestBroker;
let client: TributaryClient;
let admin: Admin;

beforeAll(async () => {
  tb = await startTestBroker();
  client = new TributaryClient({ brokers: [tb.bootstrap], clientId: 'admin-test' });
  admin = client.admin();
  await admin.connect();
});
afterAll(async () => {
  await admin?.close();
  await tb?.stop();
});

describe('Admin against the Tributary broker', () => {
  it('creates, lists, describes and deletes topics', async () => {
    const topic = uniqueTopic('adm');
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] })).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] })).toBe(false);
    expect(await admin.listTopics()).toContain(topic);
    const [desc] = await admin.describeTopics([topic]);
    expect(desc!.name).toBe(topic);
    expect(desc!.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(desc!.partitions.every((p) => p.leader === tb.broker.nodeId && p.replicas.length === 1)).toBe(true);
    await admin.deleteTopics({ topics: [topic] });
    await eventually(async () => !(await admin.listTopics()).includes(topic), 10_000, 'topic gone');
  });

  it('refuses an invalid topic with the Kafka error', async () => {
    await expect(admin.createTopics({ topics: [{ topic: 'bad/name', numPartitions: 1 }] })).rejects.toMatchObject({ code: ErrorCode.INVALID_TOPIC_EXCEPTION });
  });

  it('adds partitions', async () => {
    const topic = uniqueTopic('adm');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
    expect((await admin.describeTopics([topic]))[0]!.partitions).toHaveLength(4);
    await expect(admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] })).rejects.toMatchObject({ code: ErrorCode.INVALID_PARTITIONS });
  });

  it('describes and incrementally alters topic configs', async () => {
    const topic = uniqueTopic('adm');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] });
    const before = await admin.describeConfigs({ resources: [{ type: ResourceType.Topic, name: topic }] });
    const retention = before[0]!.configs.find((c) => c.name === 'retention.ms')!;
    expect(retention.value).toBe('3600000');
    expect(retention.isDefault).toBe(false);
    await admin.incrementalAlterConfigs({
      resources: [
        {
          type: ResourceType.Topic,
          name: topic,
          configs: [
            { name: 'segment.ms', value: '7200000', operation: 'set' },
            { name: 'retention.ms', operation: 'delete' },
          ],
        },
      ],
    });
    const after = await admin.describeConfigs({ resources: [{ type: ResourceType.Topic, name: topic, configNames: ['segment.ms', 'retention.ms'] }] });
    const byName = new Map(after[0]!.configs.map((c) => [c.name, c]));
    expect(byName.get('segment.ms')!.value).toBe('7200000');
    // Deleted: back to the default.
    expect(byName.get('retention.ms')!.isDefault).toBe(true);
  });

  it('describes the cluster', async () => {
    const d = await admin.describeCluster();
    expect(d.clusterId).toBe(tb.broker.clusterId);
    expect(d.brokers.map((b) => b.nodeId)).toEqual([tb.broker.nodeId]);
    expect(d.brokers[0]!.port).toBe(tb.broker.port);
  });

  it('deletes records and reports the new low watermark', async () => {
    const topic = uniqueTopic('adm');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const producer = client.producer();
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `${i}` })) });
    await producer.close();
    expect(await admin.deleteRecords({ topic, partitions: [{ partition: 0, offset: 6 }] })).toEqual([{ partition: 0, lowWatermark: 6n }]);
    expect(await admin.topicOffsets(topic)).toEqual([{ partition: 0, low: 6n, high: 10n }]);
  });

  it('lists, describes, resets offsets of and deletes consumer groups', async () => {
    const topic = uniqueTopic('adm');
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    const producer = client.producer();
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `${i}`, partition: i % 2 })) });
    await producer.close();
    const groupId = uniqueTopic('grp');
    const consumer = client.consumer({ groupId, autoOffsetReset: 'earliest', fetchMaxWaitMs: 100 });
    await consumer.subscribe([topic]);
    let n = 0;
    while (n < 10) n += (await consumer.poll(1000)).reduce((s, b) => s + b.messages.length, 0);
    await consumer.commit();

    expect((await admin.listGroups()).map((g) => g.groupId)).toContain(groupId);
    const [desc] = await admin.describeGroups([groupId]);
    expect(desc!.state).toBe('Stable');
    expect(desc!.protocolType).toBe('consumer');
    expect(desc!.members).toHaveLength(1);
    expect(desc!.members[0]!.subscription).toEqual([topic]);
    expect(desc!.members[0]!.assignment).toEqual([{ topic, partitions: [0, 1] }]);
    // A group with members cannot be deleted.
    await expect(admin.deleteGroups([groupId])).rejects.toMatchObject({ code: ErrorCode.NON_EMPTY_GROUP });

    await consumer.close();
    expect((await admin.fetchOffsets({ groupId, topics: [topic] })).map((o) => o.offset)).toEqual([5n, 5n]);
    await admin.resetOffsets({ groupId, topic, earliest: true });
    expect((await admin.fetchOffsets({ groupId, topics: [topic] })).map((o) => o.offset)).toEqual([0n, 0n]);
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 1, offset: 3 }] });
    expect((await admin.fetchOffsets({ groupId, topics: [topic] })).map((o) => o.offset)).toEqual([0n, 3n]);
    await admin.deleteGroups([groupId]);
    expect((await admin.listGroups()).map((g) => g.groupId)).not.toContain(groupId);
  });
});
