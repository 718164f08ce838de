import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerProcess, freePort } from '../../compat/support/broker-process.js';
import { kafkajsClient } from '../../compat/support/kafkajs.js';
import { tempDir } from '../../test-support/test-env.js';
import { eventually, GROUP_TEST_BROKER_CONFIG, KafkajsMember, produceValues, range, type ConsumedRecord } from '../test-support/group-e2e.js';

const TOPIC = 'durable-orders';
const GROUP = 'g-durable';
const sorted = (values: string[]) => [...values].sort();

/**
 * The broker as a child process (the CLI), so it can be killed with -9: committed offsets must
 * come back after that as after a clean stop, and a consumer restarting from them must neither
 * skip nor repeat a record.
 */
describe('committed offsets across broker restarts (kill -9 and SIGTERM)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let port: number;
  let broker: BrokerProcess | undefined;
  let kafka: Kafka;

  const start = async () => {
    broker = await BrokerProcess.start({ dataDir: dir, port, overrides: GROUP_TEST_BROKER_CONFIG as Record<string, number> });
  };
  const committed = async (): Promise<number[]> => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [t] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
      return t!.partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
    } finally {
      await admin.disconnect();
    }
  };
  const consumeUntil = async (name: string, sink: ConsumedRecord[], count: number) => {
    const member = await KafkajsMember.start(kafka, { groupId: GROUP, topic: TOPIC, name, sink, commitEachMessage: true });
    try {
      await eventually(() => sink.filter((r) => r.member === name).length >= count, `${name} consuming ${count} records`, 30_000, () => `got ${sink.length}`);
      await new Promise((r) => setTimeout(r, 200)); // a record delivered twice would show up by now
    } finally {
      await member.stop();
    }
  };

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('tributary-group-durability-'));
    port = await freePort();
    await start();
    kafka = kafkajsClient(broker!.bootstrap, 'durability-test', { retries: 8, initialRetryTime: 200, maxRetryTime: 2000 }).kafka;
  });
  afterAll(async () => {
    await broker?.kill9();
    await cleanup();
  });

  it('offsets committed before a kill -9 are there after the restart, and the group resumes exactly where it stopped', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3 }] });
    await admin.disconnect();
    await produceValues(kafka, TOPIC, range(0, 90), 3);
    const sink: ConsumedRecord[] = [];
    await consumeUntil('before-crash', sink, 90);
    expect(await committed()).toEqual([30, 30, 30]);

    const killed = await broker!.kill9();
    expect(killed.signal).toBe('SIGKILL');
    await start();
    expect(await committed()).toEqual([30, 30, 30]);

    await produceValues(kafka, TOPIC, range(90, 150), 3);
    await consumeUntil('after-crash', sink, 60);
    const resumed = sink.filter((r) => r.member === 'after-crash');
    expect(sorted(resumed.map((r) => r.value))).toEqual(sorted(range(90, 150)));
    expect(resumed.length).toBe(60);
    // Per partition, the first record read after the crash is the committed offset.
    for (const p of [0, 1, 2]) expect(resumed.filter((r) => r.partition === p)[0]!.offset).toBe(30n);
  });

  it('offsets survive a clean stop (SIGTERM) and restart as well', async () => {
    expect(await committed()).toEqual([50, 50, 50]);
    const stopped = await broker!.terminate();
    expect(stopped.code).toBe(0);
    await start();
    expect(await committed()).toEqual([50, 50, 50]);
    const sink: ConsumedRecord[] = [];
    await produceValues(kafka, TOPIC, range(150, 153), 3);
    await consumeUntil('after-restart', sink, 3);
    expect(sorted(sink.map((r) => r.value))).toEqual(sorted(range(150, 153)));
  });
});
