import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TributaryClient } from '../client.js';
import { type TestBroker, eventually, startTestBroker, uniqueTopic } from '../testing/broker.test.helper.js';
import type { Assignor } from './assignors/assignor.js';
import { CooperativeStickyAssignor } from './assignors/cooperative-sticky.js';
import { RangeAssignor } from './assignors/range.js';
import { RoundRobinAssignor } from './assignors/round-robin.js';
import type { Consumer } from './consumer.js';
import type { TopicPartition } from './types.js';

let tb: TestBroker;
let client: TributaryClient;

beforeAll(async () => {
  tb = await startTestBroker();
  client = new TributaryClient({ brokers: [tb.bootstrap], clientId: 'rebalance-test' });
});
afterAll(async () => {
  await tb?.stop();
});

interface Member {
  consumer: Consumer;
  owned: Set<string>;
  revoked: string[][];
  assigned: string[][];
  seen: string[];
}

const key = (tp: TopicPartition) => `${tp.partition}`;

function member(groupId: string, assignor: () => Assignor): Member {
  const m: Member = { consumer: null as unknown as Consumer, owned: new Set(), revoked: [], assigned: [], seen: [] };
  m.consumer = client.consumer({
    groupId,
    assignors: [assignor()],
    autoOffsetReset: 'earliest',
    fetchMaxWaitMs: 100,
    heartbeatIntervalMs: 300,
    sessionTimeoutMs: 10_000,
    autoCommitIntervalMs: 200,
    rebalanceListener: {
      onPartitionsAssigned: (tps) => {
        m.assigned.push(tps.map(key));
        for (const tp of tps) {
          // No partition is ever owned by two members at once.
          m.owned.add(key(tp));
        }
      },
      onPartitionsRevoked: (tps) => {
        m.revoked.push(tps.map(key));
        for (const tp of tps) m.owned.delete(key(tp));
      },
    },
  });
  return m;
}

describe.each([
  ['range', () => new RangeAssignor(), 'eager'],
  ['roundrobin', () => new RoundRobinAssignor(), 'eager'],
  ['cooperative-sticky', () => new CooperativeStickyAssignor(), 'cooperative'],
] as const)('rebalancing with %s', (name, assignor, protocol) => {
  it('splits partitions when a member joins, hands them back when it leaves, and loses no record', async () => {
    const topic = uniqueTopic(`rb-${name}`);
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 6 }] });
    await admin.close();
    const groupId = uniqueTopic('g');
    const producer = client.producer({ lingerMs: 1 });
    let produced = 0;
    let producing = true;
    const feeding = (async () => {
      while (producing) {
        await producer.send({ topic, messages: Array.from({ length: 10 }, () => ({ key: String(produced), value: String(produced++) })) });
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    const a = member(groupId, assignor);
    await a.consumer.subscribe([topic]);
    await a.consumer.run({ eachMessage: async ({ message }) => void a.seen.push(message.value!.toString()) });
    await eventually(() => a.owned.size === 6, 20_000, 'A owns all six partitions');

    const b = member(groupId, assignor);
    await b.consumer.subscribe([topic]);
    await b.consumer.run({ eachMessage: async ({ message }) => void b.seen.push(message.value!.toString()) });
    await eventually(() => a.owned.size === 3 && b.owned.size === 3, 30_000, 'a 3/3 split');
    // Never both owners of one partition, and together they own everything.
    expect([...a.owned].filter((p) => b.owned.has(p))).toEqual([]);
    expect(new Set([...a.owned, ...b.owned]).size).toBe(6);
    if (protocol === 'eager') {
      // Eager: A gave up all six before the split.
      expect(a.revoked.some((r) => r.length === 6)).toBe(true);
    } else {
      // Cooperative: A only ever gave up the three partitions that moved.
      expect(a.revoked.flat().length).toBe(3);
      expect(new Set(a.revoked.flat())).toEqual(new Set(b.owned));
    }

    // B works on its share before leaving.
    await eventually(() => b.seen.length > 0, 20_000, 'B consumes');
    await b.consumer.close();
    await eventually(() => a.owned.size === 6, 30_000, 'A owns all six again');
    producing = false;
    await feeding;
    await producer.close();
    const expected = new Set(Array.from({ length: produced }, (_, i) => String(i)));
    const seen = () => new Set([...a.seen, ...b.seen]);
    await eventually(() => [...expected].every((v) => seen().has(v)), 20_000, 'every record consumed');
    await a.consumer.close();
  });
});
