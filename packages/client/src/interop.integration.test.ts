import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TributaryClient } from './client.js';
import { type TestBroker, eventually, startTestBroker, uniqueTopic } from './testing/broker.test.helper.js';

const require = createRequire(import.meta.url);
const { Kafka, CompressionTypes, logLevel } = require('kafkajs') as typeof import('kafkajs');

// Records cross between our client and kafkajs (a client nobody here wrote) through the broker.
let tb: TestBroker;
let client: TributaryClient;

beforeAll(async () => {
  tb = await startTestBroker();
  client = new TributaryClient({ brokers: [tb.bootstrap], clientId: 'interop-test' });
});
afterAll(async () => {
  await tb?.stop();
});

describe('interoperability with kafkajs', () => {
  it('reads what kafkajs produced: keys, values, headers, timestamps, gzip', async () => {
    const topic = uniqueTopic('interop');
    const kafka = new Kafka({ brokers: [tb.bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    const messages = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, headers: { n: String(i) }, timestamp: String(1_700_000_000_000 + i) }));
    await producer.send({ topic, compression: CompressionTypes.GZIP, messages });
    await producer.disconnect();

    const consumer = client.consumer({ autoOffsetReset: 'earliest', fetchMaxWaitMs: 100 });
    try {
      await consumer.assign([{ topic, partition: 0 }]);
      const got: Array<{ key: string; value: string; header: string; timestamp: number }> = [];
      while (got.length < 20) {
        for (const b of await consumer.poll(1000)) {
          for (const m of b.messages) got.push({ key: m.key!.toString(), value: m.value!.toString(), header: m.headers[0]!.value!.toString(), timestamp: m.timestamp });
        }
      }
      expect(got).toEqual(messages.map((m, i) => ({ key: m.key, value: m.value, header: String(i), timestamp: Number(m.timestamp) })));
    } finally {
      await consumer.close();
    }
  });

  it('produces what a kafkajs consumer group reads, with Java-compatible key partitioning', async () => {
    const topic = uniqueTopic('interop');
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] });
    await admin.close();
    const producer = client.producer({ compression: 'gzip' }); // kafkajs reads gzip without plugins
    const sent = await producer.send({ topic, messages: Array.from({ length: 40 }, (_, i) => ({ key: `user-${i}`, value: `event-${i}`, headers: { h: 'x' } })) });
    await producer.close();

    const kafka = new Kafka({ brokers: [tb.bootstrap], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: uniqueTopic('kjs') });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const got = new Map<string, number>();
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        expect(message.headers!.h!.toString()).toBe('x');
        got.set(message.value!.toString(), partition);
      },
    });
    try {
      await eventually(() => got.size === 40, 20_000, 'kafkajs reads all 40');
      // Every record is where our producer said it put it.
      sent.forEach((m, i) => expect(got.get(`event-${i}`)).toBe(m.partition));
    } finally {
      await consumer.disconnect();
    }
  });
});
