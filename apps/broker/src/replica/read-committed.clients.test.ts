import { encodeRecordBatchSync, endTxnMarkerBatch } from '@tributary/protocol';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../test-support/processes.js';
import { DataPlaneBroker } from './test-kit.js';

/**
 * read_committed consumers nobody here wrote, reading logs with committed, aborted and open
 * transactions written straight to storage (data as a transactional producer writes it, markers as
 * the transaction coordinator does): kafkajs 2.2.4 (read_committed by default) and confluent-kafka
 * 1.7.0 on librdkafka 2.0.2 (isolation.level=read_committed). Small partition fetch sizes make the
 * aborted transactions span many fetches. The producer-to-broker path is tested with the
 * transaction coordinator; kafka-python 2.0.2 has no read_committed (its fetcher always asks for
 * read_uncommitted and hands out control records), so it is not a client for this.
 */
const TOPIC = 'rc-clients';
const PARTITIONS = 2;
let b: DataPlaneBroker;
let expected: string[];
let forbidden: Set<string>;

beforeAll(async () => {
  b = await DataPlaneBroker.start({ 'group.initial.rebalance.delay.ms': 0 });
  await b.createTopic(TOPIC, PARTITIONS);
  expected = [];
  forbidden = new Set();
  for (let p = 0; p < PARTITIONS; p++) await writeTransactions(p);
}, 30_000);
afterAll(async () => {
  await b.stop();
});

/**
 * One partition: plain records, a committed transaction interleaved with an aborted one, another
 * aborted and another committed transaction, then an open transaction followed by a plain record
 * (both past the last stable offset, so never delivered).
 */
async function writeTransactions(partition: number): Promise<void> {
  const log = b.services.logManager.getLog(TOPIC, partition)!;
  const sequences = new Map<number, number>();
  const data = async (name: string, count: number, producerId: number | null, delivered: boolean) => {
    const values = Array.from({ length: count }, (_, i) => `p${partition}-${name}-${i}`);
    for (const v of values) (delivered ? expected.push(v) : forbidden.add(v));
    const seq = producerId === null ? 0 : (sequences.get(producerId) ?? 0);
    if (producerId !== null) sequences.set(producerId, seq + count);
    await log.append(
      encodeRecordBatchSync({
        ...(producerId !== null && { producerId: BigInt(producerId), producerEpoch: 0, baseSequence: seq, isTransactional: true }),
        records: values.map((v) => ({ key: Buffer.from(v), value: Buffer.from(`${v}:${'x'.repeat(40)}`) })),
      }),
    );
  };
  const marker = (producerId: number, commit: boolean) =>
    log.append(encodeRecordBatchSync(endTxnMarkerBatch({ commit, producerId: BigInt(producerId), producerEpoch: 0, coordinatorEpoch: 0, timestamp: BigInt(Date.now()) })), {
      origin: 'coordinator',
    });

  await data('plain-a', 5, null, true);
  for (let i = 0; i < 6; i++) {
    await data(`committed-${i}`, 10, 1, true);
    await data(`aborted-${i}`, 10, 2, false);
  }
  await marker(2, false);
  await data('plain-b', 3, null, true);
  await marker(1, true);
  await data('aborted-late', 25, 3, false);
  await marker(3, false);
  await data('committed-late', 25, 4, true);
  await marker(4, true);
  await data('open', 5, 5, false);
  await data('past-lso', 2, null, false);
  expect(log.lastStableOffset).toBeLessThan(log.highWatermark);
}

const valueOf = (raw: string) => raw.split(':')[0]!;

describe('read_committed consumers', () => {
  it('kafkajs delivers every committed record once and never an aborted, open or later one', async () => {
    const kafka = new Kafka({ brokers: [b.broker.bootstrap], clientId: 'rc-kafkajs', logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: 'rc-kafkajs', maxBytesPerPartition: 2048, maxWaitTimeInMs: 100 });
    const seen: string[] = [];
    let reached!: () => void;
    const allSeen = new Promise<void>((resolve) => (reached = resolve));
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(valueOf(message.value!.toString()));
          if (seen.length >= expected.length) reached();
        },
      });
      await Promise.race([allSeen, new Promise((resolve) => setTimeout(resolve, 20_000))]);
      // Give it time to (wrongly) deliver anything past the last stable offset.
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      await consumer.disconnect();
    }
    expect(seen.filter((v) => forbidden.has(v))).toEqual([]);
    expect([...seen].sort()).toEqual([...expected].sort());
  }, 40_000);

  it('confluent-kafka (librdkafka) with isolation.level=read_committed delivers exactly the committed records', async () => {
    const script = `
import json, sys, time
from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING
expected = int(sys.argv[1])
c = Consumer({'bootstrap.servers': '${b.broker.bootstrap}', 'group.id': 'rc-confluent', 'enable.auto.commit': False,
              'isolation.level': 'read_committed', 'max.partition.fetch.bytes': 2048, 'fetch.wait.max.ms': 100})
c.assign([TopicPartition('${TOPIC}', p, OFFSET_BEGINNING) for p in range(${PARTITIONS})])
seen = []
deadline = time.time() + 20
quiet_until = None
while time.time() < deadline:
    m = c.poll(0.2)
    if m is not None and m.error() is None:
        seen.append(m.value().decode().split(':')[0])
    if len(seen) >= expected and quiet_until is None:
        quiet_until = time.time() + 1.0
    if quiet_until is not None and time.time() > quiet_until:
        break
c.close()
print(json.dumps(seen))
`;
    const r = await run('/usr/bin/python3', ['-c', script, String(expected.length)], { timeoutMs: 40_000 });
    expect(r.code, r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout.trim().split('\n').pop()!) as string[];
    expect(seen.filter((v) => forbidden.has(v))).toEqual([]);
    expect([...seen].sort()).toEqual([...expected].sort());
  }, 45_000);
});
