import { ApiKey, ErrorCode, KafkaError } from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TributaryClient } from '../client.js';
import { Connection } from '../network/connection.js';
import { type TestBroker, eventually, startTestBroker, uniqueTopic } from '../testing/broker.test.helper.js';
import type { TopicPartition } from './types.js';

let tb: TestBroker;
let client: TributaryClient;

beforeAll(async () => {
  tb = await startTestBroker();
  client = new TributaryClient({ brokers: [tb.bootstrap], clientId: 'membership-test' });
});
afterAll(async () => {
  await tb?.stop();
});

async function createTopic(partitions: number): Promise<string> {
  const topic = uniqueTopic('mem');
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] });
  await admin.close();
  return topic;
}

describe('group membership', () => {
  it('rejoins with the member id the coordinator assigns on MEMBER_ID_REQUIRED', async () => {
    const topic = await createTopic(1);
    const groupId = uniqueTopic('g');
    const joins: string[] = [];
    // Records each JoinGroup's member id, then calls through to the real connection.
    const original = Connection.prototype.request;
    const recording = vi.spyOn(Connection.prototype, 'request').mockImplementation(function (this: Connection, ...args: Parameters<Connection['request']>) {
      if (args[0] === ApiKey.JoinGroup) joins.push((args[1](5) as { memberId: string }).memberId);
      return original.apply(this, args);
    });
    const consumer = client.consumer({ groupId, heartbeatIntervalMs: 500 });
    try {
      await consumer.subscribe([topic]);
      await consumer.poll(200);
      // First JoinGroup without an id, refused with MEMBER_ID_REQUIRED; the second carries the assigned id.
      expect(joins.length).toBeGreaterThanOrEqual(2);
      expect(joins[0]).toBe('');
      expect(joins[1]).not.toBe('');
      const admin = client.admin();
      const [desc] = await admin.describeGroups([groupId]);
      await admin.close();
      expect(desc!.members.map((m) => m.memberId)).toEqual([joins[1]]);
    } finally {
      recording.mockRestore();
      await consumer.close();
    }
  });

  it('reports partitions as lost, and stops, when another consumer takes its static group.instance.id', async () => {
    const topic = await createTopic(2);
    const groupId = uniqueTopic('g');
    const lost: TopicPartition[][] = [];
    const errors: unknown[] = [];
    const first = client.consumer({
      groupId,
      groupInstanceId: 'instance-1',
      heartbeatIntervalMs: 200,
      rebalanceListener: { onPartitionsLost: (tps) => void lost.push(tps) },
    });
    first.onError((e) => errors.push(e));
    await first.subscribe([topic]);
    await first.run({ eachMessage: async () => undefined });
    await eventually(() => first.assignment().length === 2, 15_000, 'first consumer assigned');

    const second = client.consumer({ groupId, groupInstanceId: 'instance-1', heartbeatIntervalMs: 200 });
    await second.subscribe([topic]);
    await second.run({ eachMessage: async () => undefined });
    await eventually(() => second.assignment().length === 2, 15_000, 'second consumer assigned');
    await eventually(() => lost.length > 0, 15_000, 'first consumer notices it was fenced');
    expect(lost[0]!.map((tp) => tp.partition).sort()).toEqual([0, 1]);
    await eventually(() => errors.some((e) => e instanceof KafkaError && e.code === ErrorCode.FENCED_INSTANCE_ID), 15_000, 'fencing reported');
    expect(first.assignment()).toEqual([]);
    await first.close();
    await second.close();
  });
});
