import { CompressionType } from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCompatBroker, topicName, type CompatBroker } from './support/in-process.js';
import { runPythonScript } from './support/python.js';
import { fetchPartition } from './support/raw-wire.js';

// kafka-python 2.0.2 (Debian python3-kafka, with python3-snappy, -lz4 and -zstandard), driven by
// src/test-fixtures/compat/kafka_python_flow.py. The script reports; this file asserts.

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
type Codec = (typeof CODECS)[number];
const CODEC_IDS: Record<Codec, CompressionType> = {
  none: CompressionType.None,
  gzip: CompressionType.Gzip,
  snappy: CompressionType.Snappy,
  lz4: CompressionType.Lz4,
  zstd: CompressionType.Zstd,
};
const PER_TOPIC = 60;

interface Consumed {
  records: Array<{ p: number; o: number; k: string; v: string; h: Array<[string, string]>; ts: number }>;
  end: Record<string, number>;
  beginning: Record<string, number>;
  offsetForTime: number | null;
  baseTimestamp: number;
  afterSeek: [number, string] | null;
}
interface DataReport {
  apiVersion: number[];
  create: Record<string, number>;
  createAgain: { raised: string; errno: number } | Record<string, number>;
  listed: string[];
  produced: Record<Codec, Array<[number, number]>>;
  consumed: Record<Codec, Consumed>;
}
interface AdminReport {
  alter: number[];
  oversized: string;
  createPartitions: Record<string, number>;
  producerPartitions: number[];
  grownWrite: [number, number];
  grownRead: Array<[number, string, string]>;
  delete: Record<string, number>;
  remainingAfterDelete: string[];
}

let b: CompatBroker;
let prefix: string;
let report: DataReport;

const run = <T>(phase: 'data' | 'admin') =>
  runPythonScript<T>('kafka_python_flow.py', { phase, bootstrap: b.bootstrap, topic: prefix, codecs: CODECS, perTopic: PER_TOPIC }, 120_000);

beforeAll(async () => {
  b = await startCompatBroker();
  prefix = topicName('kpy');
  report = await run<DataReport>('data');
}, 150_000);
afterAll(async () => {
  await b?.close();
});

const topicOf = (codec: Codec) => `${prefix}-${codec}`;

describe('kafka-python 2.0.2', () => {
  it('infers Kafka 2.4 from the advertised versions, so it uses record batches (magic 2) and Produce v7', () => {
    expect(report.apiVersion).toEqual([2, 4, 0]);
  });

  it('KafkaAdminClient creates topics; a second create raises TopicAlreadyExistsError (36)', () => {
    expect(report.create).toEqual(Object.fromEntries(CODECS.map((c) => [topicOf(c), 0])));
    expect(report.createAgain).toEqual({ raised: 'TopicAlreadyExistsError', errno: 36 });
    expect(report.listed).toEqual(CODECS.map(topicOf).sort());
  });

  it.each(CODECS)('acks=all producer with compression %s: every send acknowledged with consecutive offsets', (codec) => {
    const produced = report.produced[codec];
    expect(produced).toHaveLength(PER_TOPIC);
    for (const p of [0, 1]) {
      const offsets = produced.filter(([part]) => part === p).map(([, o]) => o);
      expect(offsets).toEqual(Array.from({ length: PER_TOPIC / 2 }, (_, i) => i));
    }
  });

  it.each(CODECS)('the broker stored the %s batches as kafka-python compressed them (no recompression)', async (codec) => {
    for (const p of [0, 1]) {
      const log = await fetchPartition(b.port, topicOf(codec), p);
      expect(log.errorCode).toBe(0);
      expect(log.batches.length).toBeGreaterThan(0);
      for (const batch of log.batches) {
        expect(batch.magic).toBe(2);
        expect(batch.compression).toBe(CODEC_IDS[codec]);
      }
      expect(log.batches.reduce((n, x) => n + x.records.length, 0)).toBe(PER_TOPIC / 2);
    }
  });

  it.each(CODECS)('consumer without a group reads the %s topic back intact, seeks and looks up offsets by time', (codec) => {
    const c = report.consumed[codec];
    expect(c.records).toHaveLength(PER_TOPIC);
    for (const p of [0, 1]) {
      const rs = c.records.filter((r) => r.p === p);
      expect(rs.map((r) => r.o)).toEqual(Array.from({ length: PER_TOPIC / 2 }, (_, i) => i));
      rs.forEach((r, j) => {
        const i = 2 * j + p;
        expect(r.k).toBe(`key-${i}`);
        expect(r.ts).toBe(c.baseTimestamp + i * 1000);
        expect(r.v).toBe(`${codec} value ${i} `.repeat(8));
        expect(r.h).toEqual([
          ['codec', codec],
          ['n', String(i)],
        ]);
      });
    }
    expect(c.end).toEqual({ 0: PER_TOPIC / 2, 1: PER_TOPIC / 2 });
    expect(c.beginning).toEqual({ 0: 0, 1: 0 });
    expect(c.afterSeek).toEqual([5, 'key-10']);
    // Record i was stamped baseTimestamp + i s; 5.5 s falls just before record 6, offset 3 of partition 0.
    expect(c.offsetForTime).toBe(3);
  });

  it('a lowered max.message.bytes refuses a large record; added partitions are written and read; topics are deleted', async () => {
    const admin = await run<AdminReport>('admin');
    expect(admin.alter).toEqual([0]);
    expect(admin.oversized).toBe('MessageSizeTooLargeError');
    expect(admin.createPartitions).toEqual({ [topicOf('none')]: 0 });
    expect(admin.producerPartitions).toEqual([0, 1, 2, 3]);
    expect(admin.grownWrite).toEqual([3, 0]);
    expect(admin.grownRead).toEqual([[0, 'grown', 'in partition 3']]);
    expect(admin.delete).toEqual(Object.fromEntries(CODECS.map((c) => [topicOf(c), 0])));
    expect(admin.remainingAfterDelete).toEqual([]);
  }, 150_000);
});
