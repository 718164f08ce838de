import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TributaryClient } from '../client.js';
import { type TestBroker, startTestBroker, uniqueTopic } from '../testing/broker.test.helper.js';
import type { IsolationLevel } from './completed-fetch.js';

const require = createRequire(import.meta.url);
// Transactions are written with kafkajs's transactional producer: our producer is idempotent only.
const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs');

let tb: TestBroker;
let client: TributaryClient;
let topic: string;

beforeAll(async () => {
  tb = await startTestBroker();
  client = new TributaryClient({ brokers: [tb.bootstrap], clientId: 'isolation-test' });
  topic = uniqueTopic('txn');
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  await admin.close();

  const kafka = new Kafka({ brokers: [tb.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ transactionalId: uniqueTopic('tx'), idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const plain = kafka.producer();
  await plain.connect();
  await plain.send({ topic, messages: [{ value: 'plain-1' }] });
  const committed = await producer.transaction();
  await committed.send({ topic, messages: [{ value: 'committed-1' }, { value: 'committed-2' }] });
  await committed.commit();
  const aborted = await producer.transaction();
  await aborted.send({ topic, messages: [{ value: 'aborted-1' }, { value: 'aborted-2' }] });
  await aborted.abort();
  await plain.send({ topic, messages: [{ value: 'plain-2' }] });
  const last = await producer.transaction();
  await last.send({ topic, messages: [{ value: 'committed-3' }] });
  await last.commit();
  await producer.disconnect();
  await plain.disconnect();
});
afterAll(async () => {
  await tb?.stop();
});

async function readAll(isolationLevel: IsolationLevel): Promise<string[]> {
  const consumer = client.consumer({ isolationLevel, autoOffsetReset: 'earliest', fetchMaxWaitMs: 100 });
  try {
    await consumer.assign([{ topic, partition: 0 }]);
    const out: string[] = [];
    for (let i = 0; i < 20; i++) {
      for (const b of await consumer.poll(300)) out.push(...b.messages.map((m) => m.value!.toString()));
      if (out.includes('committed-3')) break;
    }
    return out;
  } finally {
    await consumer.close();
  }
}

describe('isolation levels', () => {
  it('read_committed stops at the last stable offset while a transaction is open, and moves on after its commit', async () => {
    const openTopic = uniqueTopic('txn-open');
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: openTopic, numPartitions: 1 }] });
    await admin.close();
    const kafka = new Kafka({ brokers: [tb.bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ transactionalId: uniqueTopic('tx-open'), idempotent: true, maxInFlightRequests: 1 });
    const plain = kafka.producer();
    await producer.connect();
    await plain.connect();
    const consumer = client.consumer({ isolationLevel: 'read_committed', autoOffsetReset: 'earliest', fetchMaxWaitMs: 100 });
    try {
      await plain.send({ topic: openTopic, messages: [{ value: 'before' }] });
      const txn = await producer.transaction();
      await txn.send({ topic: openTopic, messages: [{ value: 'in-txn' }] });
      // Written after the open transaction: below the high watermark but above the last stable offset.
      await plain.send({ topic: openTopic, messages: [{ value: 'after' }] });
      await consumer.assign([{ topic: openTopic, partition: 0 }]);
      const seen: string[] = [];
      for (let i = 0; i < 5; i++) for (const b of await consumer.poll(200)) seen.push(...b.messages.map((m) => m.value!.toString()));
      expect(seen).toEqual(['before']);
      await txn.commit();
      for (let i = 0; i < 20 && !seen.includes('after'); i++) {
        for (const b of await consumer.poll(300)) seen.push(...b.messages.map((m) => m.value!.toString()));
      }
      expect(seen).toEqual(['before', 'in-txn', 'after']);
    } finally {
      await consumer.close();
      await producer.disconnect();
      await plain.disconnect();
    }
  });

  it('read_committed skips aborted transactions and control records', async () => {
    expect(await readAll('read_committed')).toEqual(['plain-1', 'committed-1', 'committed-2', 'plain-2', 'committed-3']);
  });

  it('read_uncommitted returns aborted records too, but never control records', async () => {
    expect(await readAll('read_uncommitted')).toEqual(['plain-1', 'committed-1', 'committed-2', 'aborted-1', 'aborted-2', 'plain-2', 'committed-3']);
  });
});
