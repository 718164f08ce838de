import { CompressionType } from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TributaryClient } from '../client.js';
import { TimeoutError } from '../errors.js';
import { type TestBroker, startTestBroker, uniqueTopic } from '../testing/broker.test.helper.js';
import { readPartition, readValues } from '../testing/read-partition.test.helper.js';
import { partitionForKey } from './murmur2.js';

let tb: TestBroker;
let client: TributaryClient;

beforeAll(async () => {
  tb = await startTestBroker();
  client = new TributaryClient({ brokers: [tb.bootstrap], clientId: 'producer-test' });
});
afterAll(async () => {
  await tb?.stop();
});

async function createTopic(partitions: number): Promise<string> {
  const topic = uniqueTopic('prod');
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
  await admin.close();
  return topic;
}

describe('Producer against the Tributary broker', () => {
  it('sends records and resolves with consecutive offsets; the log holds exactly them', async () => {
    const topic = await createTopic(1);
    const producer = client.producer();
    try {
      const meta = await producer.send({
        topic,
        messages: [
          { key: 'k1', value: 'v1', headers: { h: 'x' } },
          { key: null, value: 'v2', timestamp: 1_700_000_000_000 },
          { value: null },
        ],
      });
      expect(meta.map((m) => m.offset)).toEqual([0n, 1n, 2n]);
      expect(meta.every((m) => m.partition === 0 && m.topic === topic)).toBe(true);
      const batches = await readPartition(tb.bootstrap, topic, 0);
      const records = batches.flatMap((b) => b.records);
      expect(records.map((r) => r.value?.toString() ?? null)).toEqual(['v1', 'v2', null]);
      expect(records[0]!.key?.toString()).toBe('k1');
      expect(records[0]!.headers).toEqual([{ key: 'h', value: Buffer.from('x') }]);
      expect(records[1]!.timestamp).toBe(1_700_000_000_000n);
    } finally {
      await producer.close();
    }
  });

  it('is idempotent by default: batches carry the producer id, epoch and increasing sequences', async () => {
    const topic = await createTopic(1);
    const producer = client.producer({ lingerMs: 0, batchSize: 200 });
    try {
      await producer.connect();
      const id = producer.producerIdentity!;
      expect(id.producerId).toBeGreaterThanOrEqual(0n);
      await producer.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ value: `m${i}` })) });
      const batches = await readPartition(tb.bootstrap, topic, 0);
      expect(batches.length).toBeGreaterThan(1);
      let expected = 0;
      for (const b of batches) {
        expect(b.producerId).toBe(id.producerId);
        expect(b.producerEpoch).toBe(id.producerEpoch);
        expect(b.baseSequence).toBe(expected);
        expected += b.records.length;
      }
    } finally {
      await producer.close();
    }
  });

  it.each([
    ['none', CompressionType.None],
    ['gzip', CompressionType.Gzip],
    ['snappy', CompressionType.Snappy],
    ['lz4', CompressionType.Lz4],
    ['zstd', CompressionType.Zstd],
  ] as const)('compresses with %s', async (name, codec) => {
    const topic = await createTopic(1);
    const producer = client.producer({ compression: name });
    try {
      const values = Array.from({ length: 200 }, (_, i) => `record ${i} ${'abc'.repeat(i % 10)}`);
      await producer.send({ topic, messages: values.map((value) => ({ value })) });
      const batches = await readPartition(tb.bootstrap, topic, 0);
      expect(batches.every((b) => b.compression === codec)).toBe(true);
      expect(batches.flatMap((b) => b.records.map((r) => r.value!.toString()))).toEqual(values);
    } finally {
      await producer.close();
    }
  });

  it.each([0, 1, 'all'] as const)('delivers with acks=%s', async (acks) => {
    const topic = await createTopic(1);
    const producer = client.producer({ acks });
    try {
      const meta = await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }] });
      // acks=0: the broker answers nothing, so offsets are unknown.
      expect(meta.map((m) => m.offset)).toEqual(acks === 0 ? [-1n, -1n] : [0n, 1n]);
      await producer.flush();
      await expect
        .poll(async () => (await readValues(tb.bootstrap, topic, 0)).map(([, v]) => v), { timeout: 5000 })
        .toEqual(['a', 'b']);
    } finally {
      await producer.close();
    }
  });

  it('partitions keyed records with murmur2 exactly as Java does', async () => {
    const topic = await createTopic(6);
    const producer = client.producer();
    try {
      const keys = Array.from({ length: 60 }, (_, i) => `user-${i}`);
      const meta = await producer.send({ topic, messages: keys.map((key) => ({ key, value: key })) });
      meta.forEach((m, i) => expect(m.partition).toBe(partitionForKey(Buffer.from(keys[i]!), 6)));
      for (let p = 0; p < 6; p++) {
        const values = (await readValues(tb.bootstrap, topic, p)).map(([, v]) => v!);
        expect(values).toEqual(keys.filter((k) => partitionForKey(Buffer.from(k), 6) === p));
      }
    } finally {
      await producer.close();
    }
  });

  it('sendFast shares one promise per batch, flush() sends without waiting for linger, and all records land in order', async () => {
    const topic = await createTopic(1);
    const producer = client.producer({ lingerMs: 60_000, batchSize: 1000 });
    try {
      await producer.connect();
      // The first record waits for the topic's metadata (the slow path); flush sends it at once.
      const first = producer.sendFast(topic, 'first');
      await producer.flush();
      expect((await first).baseOffset).toBe(0n);
      const promises = Array.from({ length: 50 }, (_, i) => producer.sendFast(topic, `fast-${i}`));
      // ~41 bytes each against a 1000-byte batch: several records share each batch's promise.
      expect(new Set(promises).size).toBeLessThan(promises.length);
      expect(new Set(promises).size).toBeGreaterThan(1);
      const started = Date.now();
      await producer.flush();
      expect(Date.now() - started).toBeLessThan(10_000);
      const results = await Promise.all(promises);
      expect(results[0]!.baseOffset).toBe(1n);
      const values = (await readValues(tb.bootstrap, topic, 0)).map(([, v]) => v);
      expect(values).toEqual(['first', ...Array.from({ length: 50 }, (_, i) => `fast-${i}`)]);
    } finally {
      await producer.close();
    }
  });

  it('applies buffer.memory backpressure: send() waits for space and memory use stays bounded', async () => {
    const topic = await createTopic(1);
    const limit = 4096;
    const producer = client.producer({ bufferMemory: limit, batchSize: 1024, lingerMs: 0 });
    try {
      await producer.connect();
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, producer.bufferedBytes)), 0);
      const sends: Array<Promise<unknown>> = [];
      for (let i = 0; i < 200; i++) sends.push(producer.send({ topic, messages: [{ value: Buffer.alloc(100, i) }] }));
      await Promise.all(sends);
      clearInterval(sampler);
      // ~24 KB was submitted at once against 4 KB of buffer: the buffer filled up, and never overflowed.
      expect(peak).toBeGreaterThan(limit / 2);
      expect(peak).toBeLessThanOrEqual(limit);
      expect((await readValues(tb.bootstrap, topic, 0)).length).toBe(200);
    } finally {
      await producer.close();
    }
  });

  it('fails with TimeoutError after max.block.ms when a topic never appears', async () => {
    const producer = client.producer({ maxBlockMs: 500, allowAutoTopicCreation: false });
    try {
      await expect(producer.send({ topic: uniqueTopic('missing'), messages: [{ value: 'x' }] })).rejects.toBeInstanceOf(TimeoutError);
    } finally {
      await producer.close();
    }
  });
});
