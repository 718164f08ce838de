import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TributaryClient } from '../client.js';
import { type TestBroker, startTestBroker, uniqueTopic } from '../testing/broker.test.helper.js';
import { readValues } from '../testing/read-partition.test.helper.js';
import type { BatchResult } from './producer.js';

let tb: TestBroker;
let client: TributaryClient;

beforeAll(async () => {
  tb = await startTestBroker();
  client = new TributaryClient({ brokers: [tb.bootstrap], clientId: 'faults-test', reconnectBackoffMs: 20, reconnectBackoffMaxMs: 200 });
});
afterAll(async () => {
  await tb?.stop();
});

async function createTopic(partitions: number): Promise<string> {
  const topic = uniqueTopic('faults');
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
  await admin.close();
  return topic;
}

describe('Producer faults', () => {
  it('keeps every record exactly once and in order when the broker restarts under load (idempotence)', async () => {
    const topic = await createTopic(1);
    const producer = client.producer({ lingerMs: 2, batchSize: 4096, retryBackoffMs: 50 });
    await producer.connect();
    const total = 20_000;
    const acks: Array<Promise<BatchResult>> = [];
    let restarted: Promise<void> | null = null;
    for (let i = 0; i < total; i++) {
      acks.push(producer.sendFast(topic, String(i)));
      if (i % 500 === 499) await new Promise((r) => setImmediate(r));
      // Restart the broker while a good part of the records is still in flight or queued.
      if (i === total / 4) restarted = tb.restart();
    }
    await restarted;
    const results = await Promise.allSettled(acks);
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed).toEqual([]);
    await producer.close();
    const values = (await readValues(tb.bootstrap, topic, 0)).map(([, v]) => Number(v));
    expect(values.length).toBe(total);
    expect(values).toEqual(Array.from({ length: total }, (_, i) => i));
  });

  it('loses no acknowledged record and duplicates none when a producer is killed and another takes over', async () => {
    const topic = await createTopic(3);
    const first = client.producer({ lingerMs: 1 });
    await first.connect();
    const acked = new Set<string>();
    const inFlight: Array<Promise<unknown>> = [];
    for (let i = 0; i < 3000; i++) {
      const value = `a-${i}`;
      inFlight.push(first.send({ topic, messages: [{ key: String(i % 7), value }] }).then(() => acked.add(value), () => undefined));
      if (i === 2000) {
        await Promise.race(inFlight);
        // "kill": drop the producer's connections mid-stream, without flushing or closing cleanly.
        (first as unknown as { cluster: { close(): void } }).cluster.close();
      }
    }
    await Promise.allSettled(inFlight);
    await first.close({ timeoutMs: 0 });
    expect(acked.size).toBeGreaterThan(0);

    const second = client.producer();
    await second.connect();
    expect(second.producerIdentity!.producerId).not.toBe(first.producerIdentity?.producerId);
    await second.send({ topic, messages: Array.from({ length: 100 }, (_, i) => ({ key: String(i % 7), value: `b-${i}` })) });
    await second.close();

    const all: string[] = [];
    for (let p = 0; p < 3; p++) all.push(...(await readValues(tb.bootstrap, topic, p)).map(([, v]) => v!));
    const counts = new Map<string, number>();
    for (const v of all) counts.set(v, (counts.get(v) ?? 0) + 1);
    for (const v of acked) expect(counts.get(v)).toBe(1);
    for (const [, n] of counts) expect(n).toBe(1);
    for (let i = 0; i < 100; i++) expect(counts.get(`b-${i}`)).toBe(1);
  });
});
