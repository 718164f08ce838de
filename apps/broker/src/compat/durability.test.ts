import { join } from 'node:path';
import { ErrorCode } from '@tributary/protocol';
import kafkajs, { type Admin, type Producer } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../test-support/raw-client.js';
import { tempDir } from '../test-support/test-env.js';
import { BrokerProcess, freePort } from './support/broker-process.js';
import { kafkajsClient } from './support/kafkajs.js';
import { fetchPartition, initProducerId, producePartition, recordsOf, type PartitionLog } from './support/raw-wire.js';

// The broker as its CLI (a child process), stopped cleanly with SIGTERM or killed with kill -9,
// then started again on the same data directory and port. Flush policy: the defaults
// (log.flush.interval.messages and log.flush.scheduler.interval.ms unset, i.e. no fsync on the
// produce path, as in Kafka): a killed process loses nothing the kernel already has, so every
// acknowledged record must be readable after the restart. (Surviving a power cut needs
// log.flush.interval.messages=1; that is the operating system's job, not testable here.)

const { ConfigResourceTypes } = kafkajs;

/** Retries long enough to ride out a broker restart (about 2 s under tsx). */
const RESTART_TOLERANT_RETRY = { retries: 12, initialRetryTime: 200, maxRetryTime: 2000 };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setup(): Promise<{ dataDir: string; port: number }> {
  const t = await tempDir('tributary-durability-');
  cleanups.push(t.cleanup);
  return { dataDir: join(t.dir, 'data'), port: await freePort() };
}

async function startBroker(dataDir: string, port: number): Promise<BrokerProcess> {
  const broker = await BrokerProcess.start({ dataDir, port });
  cleanups.push(async () => {
    await broker.kill9();
  });
  return broker;
}

async function topicConfig(admin: Admin, topic: string): Promise<Record<string, string>> {
  const r = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
  return Object.fromEntries(r.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
}

/** Every value of a partition log with how often it occurs. */
function valueCounts(log: PartitionLog): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of recordsOf(log)) counts.set(r.value!, (counts.get(r.value!) ?? 0) + 1);
  return counts;
}

/** Sequences of each partition count from 0 with no gap, under one producer id and epoch. */
function expectOneIdempotentProducer(logs: readonly PartitionLog[]): void {
  const ids = new Set<string>();
  for (const log of logs) {
    let next = 0;
    for (const batch of log.batches) {
      ids.add(`${batch.producerId}/${batch.producerEpoch}`);
      expect(batch.baseSequence).toBe(next);
      next += batch.records.length;
    }
  }
  expect([...ids]).toHaveLength(1);
}

describe('clean restart (SIGTERM of the CLI)', () => {
  it('keeps data, topic configs and producer state; producers continue without duplicates or OUT_OF_ORDER', async () => {
    const { dataDir, port } = await setup();
    let broker = await startBroker(dataDir, port);
    const client = kafkajsClient(broker.bootstrap, 'durability-clean', RESTART_TOLERANT_RETRY);
    const admin = client.kafka.admin();
    await admin.connect();
    const topic = 'durable-clean';
    const rawTopic = 'durable-raw';
    await admin.createTopics({
      topics: [
        { topic, numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '86400000' }, { name: 'max.message.bytes', value: '500000' }] },
        { topic: rawTopic, numPartitions: 1 },
      ],
    });
    const producer: Producer = client.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const send = async (from: number, count: number) => {
      const messages = Array.from({ length: count }, (_, i) => ({ key: `k${(from + i) % 5}`, value: `clean ${from + i}` }));
      const res = await producer.send({ topic, messages });
      for (const r of res) expect(r.errorCode, client.problems.join('\n')).toBe(0);
    };
    for (let i = 0; i < 5; i++) await send(i * 20, 20);

    // Our own idempotent producer: a batch whose acknowledgement we remember.
    const raw = await RawClient.connect(port);
    const pid = await initProducerId(raw);
    expect(pid.errorCode).toBe(0);
    const batchOf = (baseSequence: number, n: number) => ({
      producerId: pid.producerId,
      producerEpoch: pid.producerEpoch,
      baseSequence,
      records: Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`raw ${baseSequence + i}`) })),
    });
    const first = await producePartition(raw, rawTopic, 0, batchOf(0, 10));
    expect(first.errorCode).toBe(0);
    raw.close();

    const stopped = await broker.terminate();
    expect(stopped.code, broker.output).toBe(0);
    expect(broker.output).toContain('Tributary broker stopped');

    broker = await startBroker(dataDir, port);
    expect(await topicConfig(admin, topic)).toMatchObject({ 'retention.ms': '86400000', 'max.message.bytes': '500000' });
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(md.topics[0]!.partitions).toHaveLength(3);

    // The retried batch is recognised as a duplicate (Kafka answers with the original offset).
    const again = await RawClient.connect(port);
    const dup = await producePartition(again, rawTopic, 0, batchOf(0, 10));
    expect(dup.errorCode).toBe(0);
    expect(dup.baseOffset).toBe(first.baseOffset);
    const next = await producePartition(again, rawTopic, 0, batchOf(10, 5));
    expect(next.errorCode).toBe(0);
    expect(next.baseOffset).toBe(first.baseOffset + 10n);
    const gap = await producePartition(again, rawTopic, 0, batchOf(40, 5));
    expect(gap.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    again.close();
    expect(recordsOf(await fetchPartition(port, rawTopic, 0)).map((r) => r.value)).toEqual(Array.from({ length: 15 }, (_, i) => `raw ${i}`));

    // kafkajs reconnects and carries on with its sequence numbers.
    for (let i = 5; i < 10; i++) await send(i * 20, 20);
    const logs = await Promise.all([0, 1, 2].map((p) => fetchPartition(port, topic, p)));
    const counts = new Map<string, number>();
    for (const log of logs) for (const [v, n] of valueCounts(log)) counts.set(v, (counts.get(v) ?? 0) + n);
    expect(counts.size).toBe(200);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expectOneIdempotentProducer(logs);

    await producer.disconnect();
    await admin.disconnect();
  });
});

describe('kill -9 under load', () => {
  it('every acknowledged record is readable after the restart; the idempotent producer continues without duplicates', async () => {
    const { dataDir, port } = await setup();
    let broker = await startBroker(dataDir, port);
    const client = kafkajsClient(broker.bootstrap, 'durability-kill', RESTART_TOLERANT_RETRY);
    const admin = client.kafka.admin();
    await admin.connect();
    const rawTopic = 'killed-raw';
    const idemTopic = 'killed-idem';
    const pidTopic = 'killed-pid';
    await admin.createTopics({
      topics: [
        { topic: rawTopic, numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '65536' }] },
        { topic: idemTopic, numPartitions: 2 },
        { topic: pidTopic, numPartitions: 1 },
      ],
    });

    // Load 1: our plain producer, acks=all, one batch at a time, remembering each acknowledgement.
    const acked: Array<{ baseOffset: bigint; values: string[] }> = [];
    let rawError: unknown;
    const rawLoad = (async () => {
      const c = await RawClient.connect(port);
      for (let n = 0; ; n++) {
        const values = Array.from({ length: 5 }, (_, i) => `raw ${n}.${i} ${'x'.repeat(200)}`);
        let r;
        try {
          r = await producePartition(c, rawTopic, 0, { records: values.map((v) => ({ value: Buffer.from(v) })) });
        } catch {
          return; // the broker died with this batch in flight: it may or may not be in the log
        }
        if (r.errorCode !== 0) throw new Error(`produce failed with error ${r.errorCode}`);
        acked.push({ baseOffset: r.baseOffset, values });
      }
    })().catch((err: unknown) => {
      rawError = err;
    });

    // Load 2: kafkajs's idempotent producer, which retries its in-flight batch after the restart.
    const producer = client.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const idemAcked: string[] = [];
    let stopIdem = false;
    let idemError: unknown;
    const idemLoad = (async () => {
      for (let n = 0; !stopIdem; n++) {
        const messages = Array.from({ length: 4 }, (_, i) => ({ key: `k${n % 3}`, value: `idem ${n}.${i}` }));
        await producer.send({ topic: idemTopic, messages });
        idemAcked.push(...messages.map((m) => m.value));
      }
    })().catch((err: unknown) => {
      idemError = err;
    });

    // A batch of our own idempotent producer, acknowledged just before the kill: after recovery
    // (no clean-shutdown snapshot) its retry must still be recognised as a duplicate.
    const raw = await RawClient.connect(port);
    const pid = await initProducerId(raw);
    expect(pid.errorCode).toBe(0);
    const idemBatch = (baseSequence: number) => ({
      producerId: pid.producerId,
      producerEpoch: pid.producerEpoch,
      baseSequence,
      records: Array.from({ length: 3 }, (_, i) => ({ value: Buffer.from(`pid ${baseSequence + i}`) })),
    });
    await sleep(1500);
    const beforeKill = await producePartition(raw, pidTopic, 0, idemBatch(0));
    expect(beforeKill.errorCode).toBe(0);
    raw.close();
    const killed = await broker.kill9();
    expect(killed.signal).toBe('SIGKILL');
    await rawLoad;
    expect(rawError).toBeUndefined();
    const ackedBeforeKill = acked.length;
    const idemAckedBeforeKill = idemAcked.length;
    expect(ackedBeforeKill).toBeGreaterThan(10);
    expect(idemAckedBeforeKill).toBeGreaterThan(10);

    broker = await startBroker(dataDir, port);
    // The idempotent producer's retries reach the restarted broker; let it send a little more.
    await waitFor(
      () => idemAcked.length >= idemAckedBeforeKill + 40 || idemError !== undefined,
      20_000,
      () => client.problems.join('\n'),
    );
    stopIdem = true;
    await idemLoad;
    expect(idemError, client.problems.join('\n')).toBeUndefined();

    const rawLog = await fetchPartition(port, rawTopic, 0);
    expect(rawLog.errorCode).toBe(0);
    const byOffset = new Map(recordsOf(rawLog).map((r) => [r.offset, r.value]));
    for (const a of acked) {
      a.values.forEach((v, i) => expect(byOffset.get(a.baseOffset + BigInt(i)), `acknowledged offset ${a.baseOffset + BigInt(i)}`).toBe(v));
    }
    expect(rawLog.highWatermark).toBeGreaterThanOrEqual(acked.at(-1)!.baseOffset + 5n);
    expect([...valueCounts(rawLog).values()].every((n) => n === 1)).toBe(true);

    const idemLogs = await Promise.all([0, 1].map((p) => fetchPartition(port, idemTopic, p)));
    const counts = new Map<string, number>();
    for (const log of idemLogs) for (const [v, n] of valueCounts(log)) counts.set(v, (counts.get(v) ?? 0) + n);
    for (const v of idemAcked) expect(counts.get(v), v).toBe(1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expectOneIdempotentProducer(idemLogs);

    const again = await RawClient.connect(port);
    const dup = await producePartition(again, pidTopic, 0, idemBatch(0));
    expect([dup.errorCode, dup.baseOffset]).toEqual([0, beforeKill.baseOffset]);
    const next = await producePartition(again, pidTopic, 0, idemBatch(3));
    expect(next.errorCode).toBe(0);
    again.close();
    expect(recordsOf(await fetchPartition(port, pidTopic, 0)).map((r) => r.value)).toEqual(['pid 0', 'pid 1', 'pid 2', 'pid 3', 'pid 4', 'pid 5']);

    expect(await topicConfig(admin, rawTopic)).toMatchObject({ 'segment.bytes': '65536' });
    await producer.disconnect();
    await admin.disconnect();
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(cond: () => boolean, timeoutMs: number, detail: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms\n${detail()}`);
    await sleep(50);
  }
}
