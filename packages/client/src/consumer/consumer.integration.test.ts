import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TributaryClient } from '../client.js';
import { type TestBroker, eventually, startTestBroker, uniqueTopic } from '../testing/broker.test.helper.js';
import type { ConsumerConfig } from './consumer-config.js';
import type { Consumer } from './consumer.js';
import type { ConsumerBatch } from './types.js';

let tb: TestBroker;
let client: TributaryClient;
const open: Consumer[] = [];

beforeAll(async () => {
  tb = await startTestBroker();
  client = new TributaryClient({ brokers: [tb.bootstrap], clientId: 'consumer-test' });
});
afterAll(async () => {
  for (const c of open) await c.close().catch(() => undefined);
  await tb?.stop();
});

function consumer(config: ConsumerConfig): Consumer {
  const c = client.consumer({ fetchMaxWaitMs: 100, heartbeatIntervalMs: 500, sessionTimeoutMs: 10_000, ...config });
  open.push(c);
  return c;
}

async function topicWith(partitions: number, values: string[], keyed = false): Promise<string> {
  const topic = uniqueTopic('cons');
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
  await admin.close();
  if (values.length > 0) {
    const producer = client.producer();
    await producer.send({ topic, messages: values.map((value, i) => ({ value, key: keyed ? String(i) : null, partition: keyed ? undefined : i % partitions })) });
    await producer.close();
  }
  return topic;
}

const values = (n: number, prefix = 'v') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('Consumer against the Tributary broker', () => {
  it('run({ eachMessage }) delivers every record once, in order per partition, and commits', async () => {
    const topic = await topicWith(3, values(90));
    const groupId = uniqueTopic('g');
    const c = consumer({ groupId, autoOffsetReset: 'earliest', autoCommitIntervalMs: 100 });
    await c.subscribe({ topics: [topic] });
    const seen: Array<{ partition: number; offset: bigint; value: string }> = [];
    await c.run({ eachMessage: async ({ partition, message }) => void seen.push({ partition, offset: message.offset, value: message.value!.toString() }) });
    await eventually(() => seen.length >= 90, 20_000, '90 records');
    await c.stop();
    expect(new Set(seen.map((s) => s.value)).size).toBe(90);
    for (let p = 0; p < 3; p++) {
      const offsets = seen.filter((s) => s.partition === p).map((s) => s.offset);
      expect(offsets).toEqual(offsets.map((_, i) => BigInt(i)));
    }
    const committed = await c.committedOffsets([0, 1, 2].map((partition) => ({ topic, partition })));
    expect(committed.map((o) => o.offset)).toEqual([30n, 30n, 30n]);
  });

  it('keeps every partition in order with several fetches in flight to one broker', async () => {
    const topic = await topicWith(6, values(600));
    const c = consumer({ autoOffsetReset: 'earliest', fetchesPerBroker: 3, maxPartitionFetchBytes: 1024 });
    await c.assign(Array.from({ length: 6 }, (_, partition) => ({ topic, partition })));
    const byPartition = new Map<number, bigint[]>();
    let n = 0;
    while (n < 600) {
      for (const b of await c.poll(1000)) {
        const list = byPartition.get(b.partition) ?? [];
        list.push(...b.messages.map((m) => m.offset));
        byPartition.set(b.partition, list);
        n += b.messages.length;
      }
    }
    for (let p = 0; p < 6; p++) expect(byPartition.get(p)).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(i)));
  });

  it('a new member of the group resumes from the committed offsets', async () => {
    const topic = await topicWith(1, values(10));
    const groupId = uniqueTopic('g');
    const a = consumer({ groupId, autoOffsetReset: 'earliest', autoCommit: false });
    await a.subscribe([topic]);
    const first = await a.poll(5000);
    expect(first.flatMap((b) => b.messages).length).toBe(10);
    await a.commit([{ topic, partition: 0, offset: 4n }]);
    await a.close();
    const b = consumer({ groupId, autoOffsetReset: 'earliest' });
    await b.subscribe([topic]);
    const batches = await pollUntil(b, 6);
    expect(batches.flatMap((x) => x.messages).map((m) => m.value!.toString())).toEqual(values(10).slice(4));
  });

  it('read_committed in a group reads non-transactional records (OffsetFetch and ListOffsets at the broker\'s versions)', async () => {
    const topic = await topicWith(2, values(10));
    const c = consumer({ groupId: uniqueTopic('g'), autoOffsetReset: 'earliest', isolationLevel: 'read_committed' });
    await c.subscribe([topic]);
    const batches = await pollUntil(c, 10);
    expect(batches.flatMap((b) => b.messages.map((m) => m.value!.toString())).sort()).toEqual(values(10).sort());
    await c.commit();
    expect((await c.committedOffsets([0, 1].map((partition) => ({ topic, partition })))).map((o) => o.offset)).toEqual([5n, 5n]);
  });

  it('poll() honours max.poll.records', async () => {
    const topic = await topicWith(1, values(50));
    const c = consumer({ groupId: uniqueTopic('g'), autoOffsetReset: 'earliest', maxPollRecords: 7 });
    await c.subscribe([topic]);
    let total = 0;
    for (let i = 0; i < 30 && total < 50; i++) {
      const n = (await c.poll(2000)).reduce((s, b) => s + b.messages.length, 0);
      expect(n).toBeLessThanOrEqual(7);
      total += n;
    }
    expect(total).toBe(50);
  });

  it('iterates batches with for await', async () => {
    const topic = await topicWith(2, values(40));
    const c = consumer({ groupId: uniqueTopic('g'), autoOffsetReset: 'earliest' });
    await c.subscribe({ topics: [topic] });
    const got: string[] = [];
    for await (const batch of c) {
      got.push(...batch.messages.map((m) => m.value!.toString()));
      if (got.length >= 40) break;
    }
    expect(got.sort()).toEqual(values(40).sort());
  });

  it('seeks, pauses and resumes', async () => {
    const topic = await topicWith(2, values(20));
    const c = consumer({ autoOffsetReset: 'earliest' }); // no group: manual assignment
    await c.assign([
      { topic, partition: 0 },
      { topic, partition: 1 },
    ]);
    const all = await pollUntil(c, 20);
    expect(all.flatMap((b) => b.messages).length).toBe(20);
    c.seek({ topic, partition: 0, offset: 8n });
    c.pause([{ topic, partition: 1 }]);
    c.seek({ topic, partition: 1, offset: 0n });
    const afterSeek = await pollUntil(c, 2);
    expect(afterSeek.every((b) => b.partition === 0)).toBe(true);
    expect(afterSeek.flatMap((b) => b.messages).map((m) => m.offset)).toEqual([8n, 9n]);
    expect(c.paused()).toEqual([{ topic, partition: 1 }]);
    expect(await c.poll(300)).toEqual([]);
    c.resume([{ topic, partition: 1 }]);
    const resumed = await pollUntil(c, 10);
    expect(resumed.every((b) => b.partition === 1)).toBe(true);
    expect(resumed.flatMap((b) => b.messages).length).toBe(10);
  });

  it('subscribes by pattern, including topics created later', async () => {
    const prefix = uniqueTopic('pat');
    const t1 = `${prefix}-a`;
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: t1, numPartitions: 1 }] });
    // A short metadata.max.age.ms, so the new topic is noticed quickly.
    const c = new TributaryClient({ brokers: [tb.bootstrap], metadataMaxAgeMs: 300 }).consumer({
      groupId: uniqueTopic('g'),
      autoOffsetReset: 'earliest',
      fetchMaxWaitMs: 100,
      heartbeatIntervalMs: 500,
    });
    open.push(c);
    await c.subscribe({ topics: [new RegExp(`^${prefix}-`)] });
    const producer = client.producer();
    await producer.send({ topic: t1, messages: [{ value: 'one' }] });
    const got = new Set<string>();
    await c.run({ eachMessage: async ({ topic }) => void got.add(topic) });
    await eventually(() => got.has(t1), 15_000, 'first topic');
    const t2 = `${prefix}-b`;
    await admin.createTopics({ topics: [{ topic: t2, numPartitions: 1 }] });
    await producer.send({ topic: t2, messages: [{ value: 'two' }] });
    await eventually(() => got.has(t2), 20_000, 'topic created after subscribing');
    await producer.close();
    await admin.close();
  });

  it('eachBatch with resolveOffset commits only what was resolved', async () => {
    const topic = await topicWith(1, values(10));
    const groupId = uniqueTopic('g');
    const c = consumer({ groupId, autoOffsetReset: 'earliest' });
    await c.subscribe([topic]);
    let done = false;
    await c.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset }) => {
        for (const m of batch.messages) if (m.offset <= 5n) resolveOffset(m.offset);
        done = true;
      },
    });
    await eventually(() => done, 15_000, 'a batch');
    await c.stop();
    await c.commit();
    expect((await c.committedOffsets([{ topic, partition: 0 }]))[0]!.offset).toBe(6n);
  });

  it('redelivers a record whose handler failed', async () => {
    const topic = await topicWith(1, values(3));
    const c = consumer({ groupId: uniqueTopic('g'), autoOffsetReset: 'earliest', retryBackoffMs: 20 });
    await c.subscribe([topic]);
    const calls: string[] = [];
    let failedOnce = false;
    const errors: unknown[] = [];
    c.onError((e) => errors.push(e));
    await c.run({
      eachMessage: async ({ message }) => {
        const v = message.value!.toString();
        calls.push(v);
        if (v === 'v1' && !failedOnce) {
          failedOnce = true;
          throw new Error('boom');
        }
      },
    });
    await eventually(() => calls.filter((v) => v === 'v2').length === 1, 15_000, 'v2');
    expect(calls).toEqual(['v0', 'v1', 'v1', 'v2']);
    expect(errors).toHaveLength(1);
  });
});

async function pollUntil(c: Consumer, n: number, timeoutMs = 15_000): Promise<ConsumerBatch[]> {
  const out: ConsumerBatch[] = [];
  let count = 0;
  const deadline = Date.now() + timeoutMs;
  while (count < n) {
    if (Date.now() > deadline) throw new Error(`only ${count} of ${n} records within ${timeoutMs} ms`);
    const batches = await c.poll(500);
    out.push(...batches);
    count += batches.reduce((s, b) => s + b.messages.length, 0);
  }
  return out;
}
