import { CompressionType } from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCompatBroker, topicName, type CompatBroker } from './support/in-process.js';
import { headerMap, kcatConsume, kcatConsumeFormatted, kcatList, kcatMetadata, kcatProduce, type Codec, type KcatMessage } from './support/kcat.js';
import { fetchPartition, recordsOf } from './support/raw-wire.js';

// kcat 1.7.1 on librdkafka 2.0.2 (Debian), run as a user would. Topics are created automatically by
// the producer's Metadata request, with num.partitions=3 so keyed messages spread over partitions.

const PARTITIONS = 3;
const CODEC_IDS: Record<Codec, CompressionType> = {
  none: CompressionType.None,
  gzip: CompressionType.Gzip,
  snappy: CompressionType.Snappy,
  lz4: CompressionType.Lz4,
  zstd: CompressionType.Zstd,
};

let b: CompatBroker;

beforeAll(async () => {
  b = await startCompatBroker({ 'num.partitions': PARTITIONS });
});
afterAll(async () => {
  await b?.close();
});

/** Compressible values of varying length, so every codec has something to do. */
function valueFor(i: number): string {
  return `value ${i} ${'lorem ipsum dolor sit amet '.repeat(1 + (i % 7))}`.trim();
}

/** Messages of every partition in per-partition offset order. */
function byPartition(messages: readonly KcatMessage[]): Map<number, KcatMessage[]> {
  const out = new Map<number, KcatMessage[]>();
  for (const m of messages) out.set(m.partition, [...(out.get(m.partition) ?? []), m]);
  return out;
}

describe('kcat metadata', () => {
  it('-L and -J list this broker as the only broker and controller, and the topic with its partitions', async () => {
    const topic = topicName('kcat-meta');
    await kcatProduce(b.bootstrap, topic, ['hello'], { partition: 0 });

    const json = await kcatMetadata(b.bootstrap);
    expect(json.brokers).toEqual([{ id: 1, name: `127.0.0.1:${b.port}` }]);
    expect(json.originating_broker.id).toBe(1);
    const t = json.topics.find((x) => x.topic === topic);
    expect(t, JSON.stringify(json)).toBeDefined();
    expect(t!.error).toBeUndefined();
    expect(t!.partitions.map((p) => p.partition).sort()).toEqual([0, 1, 2]);
    for (const p of t!.partitions) {
      expect(p.leader).toBe(1);
      expect(p.replicas).toEqual([{ id: 1 }]);
      expect(p.isrs).toEqual([{ id: 1 }]);
      expect(p.error).toBeUndefined();
    }

    const text = await kcatList(b.bootstrap, topic);
    expect(text).toContain('1 brokers:');
    expect(text).toContain(`broker 1 at 127.0.0.1:${b.port} (controller)`);
    expect(text).toContain(`topic "${topic}" with 3 partitions:`);
    expect(text).toContain('partition 0, leader 1, replicas: 1, isrs: 1');
  });
});

describe('kcat produce and consume', () => {
  it.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const)(
    '-z %s: keys, values and headers come back intact, stored with that codec',
    async (codec) => {
      const topic = topicName(`kcat-${codec}`);
      const n = 300;
      const lines = Array.from({ length: n }, (_, i) => `key-${i % 20}:${valueFor(i)}`);
      // A long linger puts each partition's messages in one batch: librdkafka sends a batch
      // uncompressed when compression does not make it smaller, which small batches risk.
      await kcatProduce(b.bootstrap, topic, lines, { codec, keyDelimiter: ':', headers: { codec, 'trace-id': 'abc=def' }, props: { 'linger.ms': '500' } });

      const messages = await kcatConsume(b.bootstrap, topic);
      expect(messages).toHaveLength(n);
      // Per partition: offsets 0.. without gaps, and the order each key was sent in.
      const parts = byPartition(messages);
      for (const [, ms] of parts) expect(ms.map((m) => m.offset)).toEqual(ms.map((_, i) => i));
      const sentByKey = new Map<string, string[]>();
      for (const l of lines) {
        const [k, v] = [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)];
        sentByKey.set(k, [...(sentByKey.get(k) ?? []), v]);
      }
      const gotByKey = new Map<string, string[]>();
      const partitionOfKey = new Map<string, number>();
      for (const m of messages) {
        expect(headerMap(m)).toEqual({ codec, 'trace-id': 'abc=def' });
        expect(m.tstype).toBe('create');
        gotByKey.set(m.key!, [...(gotByKey.get(m.key!) ?? []), m.payload!]);
        // librdkafka's partitioner hashes the key: one key, one partition.
        expect(partitionOfKey.get(m.key!) ?? m.partition).toBe(m.partition);
        partitionOfKey.set(m.key!, m.partition);
      }
      for (const [, ms] of parts) {
        const perKey = new Map<string, string[]>();
        for (const m of ms) perKey.set(m.key!, [...(perKey.get(m.key!) ?? []), m.payload!]);
        for (const [k, vs] of perKey) expect(vs).toEqual(sentByKey.get(k));
      }
      expect(new Set(gotByKey.keys())).toEqual(new Set(sentByKey.keys()));
      expect(parts.size).toBeGreaterThan(1);

      // What the broker stored: batches with the producer's codec, not recompressed.
      let stored = 0;
      for (let p = 0; p < PARTITIONS; p++) {
        const log = await fetchPartition(b.port, topic, p);
        expect(log.errorCode).toBe(0);
        for (const batch of log.batches) expect(batch.compression).toBe(CODEC_IDS[codec]);
        stored += recordsOf(log).length;
      }
      expect(stored).toBe(n);
    },
  );

  it('-f prints key, value and headers as produced', async () => {
    const topic = topicName('kcat-format');
    await kcatProduce(b.bootstrap, topic, ['k1:first value', 'k1:second value'], { partition: 1, keyDelimiter: ':', headers: { h1: 'v1', h2: 'v2' } });
    const out = await kcatConsumeFormatted(b.bootstrap, topic, '%p %o %k %s %h\n', { partition: 1 });
    expect(out).toBe('1 0 k1 first value h1=v1,h2=v2\n1 1 k1 second value h1=v1,h2=v2\n');
  });

  it('-Z: an empty value becomes NULL (a tombstone); an empty key becomes no key', async () => {
    const topic = topicName('kcat-null');
    await kcatProduce(b.bootstrap, topic, ['a:plain', 'b:', ':keyless', 'c:another'], { partition: 0, keyDelimiter: ':', emptyAsNull: true });
    const messages = await kcatConsume(b.bootstrap, topic, { partition: 0 });
    expect(messages.map((m) => [m.offset, m.key, m.payload])).toEqual([
      [0, 'a', 'plain'],
      [1, 'b', null],
      [2, null, 'keyless'],
      [3, 'c', 'another'],
    ]);
    const stored = recordsOf(await fetchPartition(b.port, topic, 0));
    expect(stored.map((r) => [r.key, r.value])).toEqual([
      ['a', 'plain'],
      ['b', null],
      [null, 'keyless'],
      ['c', 'another'],
    ]);
  });

  it('-o s@<timestamp> starts at the first message at or after the timestamp (ListOffsets by time)', async () => {
    const topic = topicName('kcat-time');
    await kcatProduce(b.bootstrap, topic, Array.from({ length: 10 }, (_, i) => `early ${i}`), { partition: 0 });
    await sleep(30);
    const cut = Date.now();
    await sleep(30);
    await kcatProduce(b.bootstrap, topic, Array.from({ length: 10 }, (_, i) => `late ${i}`), { partition: 0 });

    const all = await kcatConsume(b.bootstrap, topic, { partition: 0 });
    expect(all.filter((m) => m.ts < cut).map((m) => m.payload)).toEqual(Array.from({ length: 10 }, (_, i) => `early ${i}`));

    const fromCut = await kcatConsume(b.bootstrap, topic, { partition: 0, offset: `s@${cut}` });
    expect(fromCut.map((m) => [m.offset, m.payload])).toEqual(Array.from({ length: 10 }, (_, i) => [10 + i, `late ${i}`]));

    const fromStart = await kcatConsume(b.bootstrap, topic, { partition: 0, offset: `s@${all[0]!.ts}` });
    expect(fromStart).toHaveLength(20);

    // Later than every message: no offset for that time, so the consumer starts at the end.
    const future = await kcatConsume(b.bootstrap, topic, { partition: 0, offset: `s@${Date.now() + 3_600_000}` });
    expect(future).toEqual([]);

    const lastTwo = await kcatConsume(b.bootstrap, topic, { partition: 0, offset: '-2' });
    expect(lastTwo.map((m) => m.payload)).toEqual(['late 8', 'late 9']);
  });

  it('idempotent producer (enable.idempotence=true): one producer id, consecutive sequences, no duplicates', async () => {
    const topic = topicName('kcat-idem');
    const n = 500;
    const lines = Array.from({ length: n }, (_, i) => `k${i % 10}:${i}`);
    await kcatProduce(b.bootstrap, topic, lines, {
      codec: 'lz4',
      keyDelimiter: ':',
      props: { 'enable.idempotence': 'true', 'linger.ms': '2', 'batch.num.messages': '50' },
    });

    const producerIds = new Set<bigint>();
    const values: number[] = [];
    for (let p = 0; p < PARTITIONS; p++) {
      const log = await fetchPartition(b.port, topic, p);
      let expectedSequence = 0;
      for (const batch of log.batches) {
        producerIds.add(batch.producerId);
        expect(batch.producerEpoch).toBeGreaterThanOrEqual(0);
        // Sequences count records per partition from 0, batch after batch.
        expect(batch.baseSequence).toBe(expectedSequence);
        expectedSequence += batch.records.length;
      }
      values.push(...recordsOf(log).map((r) => Number(r.value)));
    }
    expect([...producerIds]).toHaveLength(1);
    expect([...producerIds][0]).toBeGreaterThanOrEqual(0n);
    expect(values.sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));

    const consumed = await kcatConsume(b.bootstrap, topic);
    expect(consumed).toHaveLength(n);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
