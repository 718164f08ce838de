import { CompressionType, ErrorCode } from '@tributary/protocol';
import kafkajs, { type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCompatBroker, topicName, type CompatBroker } from './support/in-process.js';
import { kafkajsClient, type KafkajsHandle } from './support/kafkajs.js';
import { headerMap, kcatConsume } from './support/kcat.js';
import { fetchPartition, recordsOf } from './support/raw-wire.js';

// kafkajs 2.2.4 admin and producers. Its consumer needs consumer groups, so what it writes is read
// back with kcat and with our own Fetch (which also shows the stored batch headers).

const { CompressionTypes } = kafkajs;

let b: CompatBroker;
let client: KafkajsHandle;
let admin: Admin;

beforeAll(async () => {
  b = await startCompatBroker();
  client = kafkajsClient(b.bootstrap, 'compat-kafkajs');
  admin = client.kafka.admin();
  await admin.connect();
});
afterAll(async () => {
  await admin?.disconnect();
  await b?.close();
});

/** kafkajs's own warnings, shown when an assertion fails. */
const problems = () => client.problems.join('\n');

// Admin calls as steps of one topic's life, around real data. Each admin API's own behaviour and
// error paths are covered by ../handlers/admin-kafkajs.test.ts.
describe('kafkajs topic lifecycle', () => {
  it('create, write, grow, write the new partitions, look up offsets by time, delete records, delete the topic', async () => {
    const topic = topicName('kjs-life');
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] })).toBe(true);
    let producer = client.kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const base = Date.now() - 60_000;
      const write = (partition: number, from: number, count: number) =>
        producer.send({
          topic,
          messages: Array.from({ length: count }, (_, i) => ({ key: `k${from + i}`, value: `p${partition} m${from + i}`, partition, timestamp: String(base + (from + i) * 1000) })),
        });
      await write(0, 0, 10);
      await write(1, 0, 5);

      await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
      // kafkajs silently drops messages for partitions missing from its cached metadata, so a new
      // producer (fresh metadata) writes the added partitions.
      await producer.disconnect();
      producer = client.kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      await write(2, 0, 3);
      await write(3, 0, 1);
      const offsets = (await admin.fetchTopicOffsets(topic)).sort((x, y) => x.partition - y.partition);
      expect(offsets.map((o) => [o.partition, o.low, o.high])).toEqual([
        [0, '0', '10'],
        [1, '0', '5'],
        [2, '0', '3'],
        [3, '0', '1'],
      ]);
      for (const p of [2, 3]) {
        expect(recordsOf(await fetchPartition(b.port, topic, p)).map((r) => r.value)).toEqual(Array.from({ length: p === 2 ? 3 : 1 }, (_, i) => `p${p} m${i}`));
      }

      // Record i of each partition was stamped base + i s: 4.5 s falls just before record 5.
      const byTime = (await admin.fetchTopicOffsetsByTimestamp(topic, base + 4500)).sort((x, y) => x.partition - y.partition);
      expect(byTime).toEqual([
        { partition: 0, offset: '5' },
        { partition: 1, offset: '5' }, // no record at or after that time yet: the end offset
        { partition: 2, offset: '3' },
        { partition: 3, offset: '1' },
      ]);

      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '3' }] });
      const log = await fetchPartition(b.port, topic, 0, 3n);
      expect(log.logStartOffset).toBe(3n);
      expect(recordsOf(log).filter((r) => r.offset >= 3n).map((r) => r.value)).toEqual(Array.from({ length: 7 }, (_, i) => `p0 m${i + 3}`));
    } finally {
      await producer.disconnect();
    }
    await admin.deleteTopics({ topics: [topic] });
    expect(await admin.listTopics()).not.toContain(topic);
    expect((await fetchPartition(b.port, topic, 0)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});

describe('kafkajs producers', () => {
  let producer: Producer | undefined;
  afterAll(async () => {
    await producer?.disconnect();
  });

  it('idempotent producer: one producer id and epoch, consecutive sequences per partition, everything read back once', async () => {
    const topic = topicName('kjs-idem');
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
    producer = client.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();

    const sent: Array<{ key: string; value: string }> = [];
    for (let round = 0; round < 8; round++) {
      const messages = Array.from({ length: 25 }, (_, i) => {
        const n = round * 25 + i;
        return { key: `key-${n % 7}`, value: `idempotent ${n}`, headers: { round: String(round), n: String(n) } };
      });
      sent.push(...messages.map(({ key, value }) => ({ key, value })));
      const res = await producer.send({ topic, messages, compression: round % 2 === 0 ? CompressionTypes.GZIP : CompressionTypes.None });
      for (const r of res) expect(r.errorCode, problems()).toBe(0);
    }

    const producerIds = new Set<bigint>();
    const epochs = new Set<number>();
    const got: Array<{ key: string | null; value: string | null; headers: Record<string, string | null> }> = [];
    for (let p = 0; p < 3; p++) {
      const log = await fetchPartition(b.port, topic, p);
      let expectedSequence = 0;
      for (const batch of log.batches) {
        producerIds.add(batch.producerId);
        epochs.add(batch.producerEpoch);
        expect([CompressionType.Gzip, CompressionType.None]).toContain(batch.compression);
        expect(batch.baseSequence).toBe(expectedSequence);
        expectedSequence += batch.records.length;
      }
      got.push(...recordsOf(log));
    }
    expect(producerIds.size).toBe(1);
    expect([...producerIds][0]).toBeGreaterThanOrEqual(0n);
    expect(epochs.size).toBe(1);
    expect(got).toHaveLength(sent.length);
    expect(new Set(got.map((r) => r.value))).toEqual(new Set(sent.map((s) => s.value)));
    for (const r of got) {
      const n = Number(r.value!.split(' ')[1]);
      expect(r.key).toBe(`key-${n % 7}`);
      expect(r.headers).toEqual({ round: String(Math.floor(n / 25)), n: String(n) });
    }

    // A second reader nobody here wrote: librdkafka sees the same records and headers.
    const viaKcat = await kcatConsume(b.bootstrap, topic);
    expect(viaKcat).toHaveLength(sent.length);
    for (const m of viaKcat) expect(headerMap(m).n).toBe(m.payload!.split(' ')[1]);
  });

  it('acks=0 gets no response and acks=1/-1 keep working on the same connection', async () => {
    const topic = topicName('kjs-acks');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const plain = client.kafka.producer({ allowAutoTopicCreation: false });
    await plain.connect();
    try {
      await plain.send({ topic, acks: 0, messages: [{ value: 'fire-and-forget' }] });
      const one = await plain.send({ topic, acks: 1, messages: [{ value: 'leader-ack' }] });
      const all = await plain.send({ topic, acks: -1, messages: [{ value: 'all-ack' }] });
      expect(one[0]!.baseOffset).toBe('1');
      expect(all[0]!.baseOffset).toBe('2');
      expect(recordsOf(await fetchPartition(b.port, topic, 0)).map((r) => r.value)).toEqual(['fire-and-forget', 'leader-ack', 'all-ack']);
    } finally {
      await plain.disconnect();
    }
  });
});
