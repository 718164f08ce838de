import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataPlaneBroker } from '../replica/test-kit.js';
import { run } from '../test-support/processes.js';

/**
 * Smoke tests of Metadata, Produce, Fetch, ListOffsets and InitProducerId with real clients nobody
 * here wrote: kcat (librdkafka 2.0.2), kafkajs 2.2.4 and kafka-python 2.0.2. The comprehensive
 * real-client suite lives elsewhere; these prove the basics of each client work.
 */
let b: DataPlaneBroker;
beforeAll(async () => {
  b = await DataPlaneBroker.start({ 'num.partitions': 2 });
});
afterAll(async () => {
  await b.stop();
});

const kcat = (...args: string[]) => run('kcat', ['-b', b.broker.bootstrap, ...args], { timeoutMs: 20_000 });

describe('kcat (librdkafka)', () => {
  it('lists metadata, auto-creates on produce, consumes everything back with every codec, and queries offsets', async () => {
    const file = join(b.dir, 'lines.txt');
    await writeFile(file, Array.from({ length: 500 }, (_, i) => `line-${i}`).join('\n') + '\n');
    for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
      const produced = await kcat('-P', '-t', 'kcat-smoke', '-p', '0', '-z', codec, '-l', file);
      expect(produced.code, produced.stderr).toBe(0);
    }
    const listed = await kcat('-L', '-t', 'kcat-smoke');
    expect(listed.stdout).toMatch(/topic "kcat-smoke" with 2 partitions/);
    expect(listed.stdout).toMatch(/partition 0, leader 1, replicas: 1, isrs: 1/);
    const consumed = await kcat('-C', '-t', 'kcat-smoke', '-p', '0', '-o', 'beginning', '-e', '-q');
    const lines = consumed.stdout.trim().split('\n');
    expect(lines).toHaveLength(2500);
    expect(lines.slice(0, 2)).toEqual(['line-0', 'line-1']);
    expect(lines[2499]).toBe('line-499');
    const tail = await kcat('-C', '-t', 'kcat-smoke', '-p', '0', '-o', '-2', '-e', '-q');
    expect(tail.stdout.trim().split('\n')).toEqual(['line-498', 'line-499']);
    const query = await kcat('-Q', '-t', `kcat-smoke:0:${Date.now() - 3_600_000}`);
    expect(query.stdout).toMatch(/kcat-smoke \[0\] offset 0/);
  });
});

describe('kafkajs', () => {
  it('produces idempotently (InitProducerId) and reads the offsets back', async () => {
    const kafka = new Kafka({ brokers: [b.broker.bootstrap], clientId: 'kafkajs-smoke', logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const sent = await producer.send({ topic: 'kafkajs-smoke', messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
      expect(sent.every((r) => r.errorCode === 0)).toBe(true);
      await producer.send({ topic: 'kafkajs-smoke', compression: 1, messages: [{ key: 'gz', value: 'gzip' }] });
    } finally {
      await producer.disconnect();
    }
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets('kafkajs-smoke');
      expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(21);
      expect(offsets.every((o) => o.low === '0')).toBe(true);
      const byTime = await admin.fetchTopicOffsetsByTimestamp('kafkajs-smoke', Date.now() - 60_000);
      expect(byTime.every((o) => o.offset === '0')).toBe(true);
    } finally {
      await admin.disconnect();
    }
    // The idempotent batches carry the producer id the broker handed out.
    const consumed = await kcat('-C', '-t', 'kafkajs-smoke', '-o', 'beginning', '-e', '-q', '-f', '%k=%s\\n');
    expect(consumed.stdout.trim().split('\n').sort()).toEqual([...Array.from({ length: 20 }, (_, i) => `k${i}=v${i}`), 'gz=gzip'].sort());
  });
});

describe('kafka-python', () => {
  it('produces (Metadata v0/v1, Produce v7) and consumes by assignment (Fetch v4, ListOffsets v1)', async () => {
    const script = `
import json
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
p = KafkaProducer(bootstrap_servers='${b.broker.bootstrap}', acks='all')
for i in range(30):
    p.send('python-smoke', key=b'k%d' % i, value=b'v%d' % i, partition=i % 2)
p.flush()
p.close()
c = KafkaConsumer(bootstrap_servers='${b.broker.bootstrap}', consumer_timeout_ms=3000, enable_auto_commit=False)
tps = [TopicPartition('python-smoke', 0), TopicPartition('python-smoke', 1)]
c.assign(tps)
c.seek_to_beginning(*tps)
values = sorted(m.value.decode() for m in c)
ends = {str(tp.partition): o for tp, o in c.end_offsets(tps).items()}
times = c.offsets_for_times({tps[0]: 0})
print(json.dumps({'values': values, 'ends': ends, 'first': times[tps[0]].offset}))
c.close()
`;
    const r = await run('/usr/bin/python3', ['-c', script], { timeoutMs: 40_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { values: string[]; ends: Record<string, number>; first: number };
    expect(out.values).toEqual(Array.from({ length: 30 }, (_, i) => `v${i}`).sort());
    expect(out.ends).toEqual({ '0': 15, '1': 15 });
    expect(out.first).toBe(0);
  });
});
