import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCompatBroker, topicName, type CompatBroker } from './support/in-process.js';
import { runPythonScript } from './support/python.js';

// confluent-kafka-python 1.7.0 on librdkafka 2.0.2 (Debian python3-confluent-kafka), driven by
// src/test-fixtures/compat/confluent_flow.py. The script reports; this file asserts.

interface ConfigView {
  value: string | null;
  source: string;
  isDefault: boolean;
  readOnly: boolean;
}
interface ConsumedMessage {
  p: number;
  o: number;
  k: string;
  v: string;
  h: Array<[string, string]>;
  ts: number;
}
interface ConfluentReport {
  create: Record<string, string | null>;
  partitionsAfterCreate: number[] | null;
  brokers: number[];
  describe: Record<string, ConfigView | null>;
  describeCount: number;
  alter: Record<string, string | null>;
  describeAfterAlter: Record<string, ConfigView | null>;
  createPartitions: Record<string, string | null>;
  partitionsAfterAdd: number[] | null;
  unflushed: number;
  sent: number;
  delivered: number;
  deliveryErrors: string[];
  maxOffsetByPartition: Record<string, number>;
  watermarks0: [number, number];
  consumed: ConsumedMessage[];
  consumeErrors?: string[];
  afterSeek: [number, string] | null;
  offsetForTime: number;
  offsetForLaterTime: number;
  delete: Record<string, string | null>;
  partitionsAfterDelete: number[] | null;
}

const PER_PARTITION = 40;

let b: CompatBroker;
let report: ConfluentReport;
let topic: string;

beforeAll(async () => {
  b = await startCompatBroker();
  topic = topicName('confluent');
  report = await runPythonScript<ConfluentReport>('confluent_flow.py', { bootstrap: b.bootstrap, topic, codec: 'zstd', perPartition: PER_PARTITION }, 120_000);
}, 150_000);
afterAll(async () => {
  await b?.close();
});

// The admin steps of the flow; their error paths are covered by ../handlers/admin-python.test.ts.
describe('confluent-kafka-python topic lifecycle', () => {
  it('creates the topic with its configs', () => {
    expect(report.create).toEqual({ [topic]: null });
    expect(report.partitionsAfterCreate).toEqual([0, 1, 2]);
    expect(report.brokers).toEqual([1]);
    expect(report.describe['retention.ms']).toMatchObject({ value: '3600000', source: 'DYNAMIC_TOPIC_CONFIG', isDefault: false });
    expect(report.describe['cleanup.policy']).toMatchObject({ value: 'delete', source: 'DYNAMIC_TOPIC_CONFIG' });
    expect(report.describe['segment.bytes']).toMatchObject({ value: '1073741824', source: 'DEFAULT_CONFIG', isDefault: true });
    expect(report.describeCount).toBeGreaterThan(20);
  });

  it('alters configs (replacing the whole override set) and grows to 5 partitions before writing', () => {
    expect(Object.values(report.alter)).toEqual([null]);
    expect(report.describeAfterAlter['retention.ms']).toMatchObject({ value: '7200000', source: 'DYNAMIC_TOPIC_CONFIG' });
    expect(report.describeAfterAlter['max.message.bytes']).toMatchObject({ value: '2000000', source: 'DYNAMIC_TOPIC_CONFIG' });
    expect(report.describeAfterAlter['cleanup.policy']).toMatchObject({ value: 'delete', source: 'DEFAULT_CONFIG' });
    expect(Object.values(report.createPartitions)).toEqual([null]);
    expect(report.partitionsAfterAdd).toEqual([0, 1, 2, 3, 4]);
  });

  it('deletes the topic after use', () => {
    expect(report.delete).toEqual({ [topic]: null });
    expect(report.partitionsAfterDelete).toBeNull();
  });
});

describe('confluent-kafka-python producer (acks=all, zstd) and consumer (assign + seek)', () => {
  it('every message is acknowledged with consecutive offsets per partition', () => {
    expect(report.unflushed).toBe(0);
    expect(report.deliveryErrors).toEqual([]);
    expect(report.delivered).toBe(report.sent);
    expect(report.sent).toBe(5 * PER_PARTITION);
    expect(report.maxOffsetByPartition).toEqual({ 0: PER_PARTITION - 1, 1: PER_PARTITION - 1, 2: PER_PARTITION - 1, 3: PER_PARTITION - 1, 4: PER_PARTITION - 1 });
    expect(report.watermarks0).toEqual([0, PER_PARTITION]);
  });

  it('reads every message back intact, in order, with its key and headers', () => {
    expect(report.consumeErrors).toBeUndefined();
    expect(report.consumed).toHaveLength(report.sent);
    for (let p = 0; p < 5; p++) {
      const ms = report.consumed.filter((m) => m.p === p);
      expect(ms.map((m) => m.o)).toEqual(Array.from({ length: PER_PARTITION }, (_, i) => i));
      ms.forEach((m, i) => {
        expect(m.k).toBe(`k${p}-${i}`);
        expect(m.v).toBe(`v${p}-${i}`);
        expect(m.ts).toBe(report.consumed.find((x) => x.p === 0 && x.o === 0)!.ts + i * 1000);
        expect(m.h).toEqual([
          ['p', String(p)],
          ['i', String(i)],
        ]);
      });
    }
  });

  it('seek() repositions a partition, and offsets_for_times() finds the offset for a time', () => {
    expect(report.afterSeek).toEqual([10, 'v0-10']);
    // Messages were stamped one second apart: 4.5 s after the first falls before offset 5.
    expect(report.offsetForTime).toBe(5);
    // After the last message there is no offset for that time (librdkafka reports -1, the end).
    expect(report.offsetForLaterTime).toBe(-1);
  });
});
