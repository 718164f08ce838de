import type { Kafka } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { kafkajsClient } from '../../compat/support/kafkajs.js';
import { startCompatBroker, topicName, type CompatBroker } from '../../compat/support/in-process.js';
import { JsonLinesProcess, type JsonEvent } from '../test-support/json-lines-process.js';
import { readValues, TXN_TEST_BROKER_CONFIG, withPrefix, writeSentinels } from '../transaction/test-support/txn-e2e.js';

type Op = Record<string, unknown> & { op: string };

describe('transactions with the confluent-kafka-python 1.7 producer (librdkafka 2.0.2)', () => {
  let env: CompatBroker;
  let kafka: Kafka;
  const running: JsonLinesProcess[] = [];

  beforeAll(async () => {
    env = await startCompatBroker(TXN_TEST_BROKER_CONFIG);
    kafka = kafkajsClient(env.bootstrap, 'confluent-txn-test').kafka;
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.kill()));
  });
  afterAll(async () => {
    await env.close();
  });

  const createTopic = (name: string, numPartitions: number) => env.broker.services.topics.createTopic({ name, numPartitions });
  const produce = (transactionalId: string, ops: Op[]) => {
    const p = JsonLinesProcess.python('confluent_txn.py', { mode: 'produce', bootstrap: env.bootstrap, transactionalId, ops });
    running.push(p);
    return p;
  };
  /** A librdkafka consumer reading at an isolation level until it saw `until`; returns what it read. */
  const pythonRead = async (topics: string[], isolation: 'read_committed' | 'read_uncommitted', until: string[]) => {
    const p = JsonLinesProcess.python('confluent_txn.py', { mode: 'read', bootstrap: env.bootstrap, topics, isolation, until });
    running.push(p);
    const done = await p.waitFor((e) => e.event === 'read' || e.event === 'timeout', `${isolation} read`, 30_000);
    expect(done.event, p.describe()).toBe('read');
    return done.values as string[];
  };
  const okOps = (p: JsonLinesProcess) => p.all('ok').map((e) => e.op);
  const failure = (p: JsonLinesProcess): JsonEvent | undefined => p.all('error')[0];

  it('commits, aborts and commits consumed offsets with the transaction; read_committed consumers of both clients skip the aborted records', async () => {
    const a = topicName('cf-a');
    const b = topicName('cf-b');
    const input = topicName('cf-in');
    await createTopic(a, 2);
    await createTopic(b, 1);
    await createTopic(input, 1);
    const p = produce('confluent-commit', [
      { op: 'begin' },
      { op: 'produce', topic: a, partition: 0, values: ['c-1', 'c-2'] },
      { op: 'produce', topic: a, partition: 1, values: ['c-3'] },
      { op: 'produce', topic: b, partition: 0, values: ['c-4'] },
      { op: 'send_offsets', group: 'g-confluent', offsets: [[input, 0, 7]] },
      { op: 'commit' },
      { op: 'begin' },
      { op: 'produce', topic: a, partition: 0, values: ['x-1'] },
      { op: 'produce', topic: b, partition: 0, values: ['x-2'] },
      { op: 'send_offsets', group: 'g-confluent', offsets: [[input, 0, 9]] },
      { op: 'abort' },
    ]);
    await p.waitFor((e) => (e.event === 'ok' && e.op === 'abort') || e.event === 'error', 'the transactions to finish', 40_000);
    expect(failure(p), p.describe()).toBeUndefined();
    expect(okOps(p)).toEqual(['begin', 'produce', 'produce', 'produce', 'send_offsets', 'commit', 'begin', 'produce', 'produce', 'send_offsets', 'abort']);
    expect(env.broker.services.transactions.coordinator.describeTransaction('confluent-commit').state).toBe('CompleteAbort');

    const sentinels = await writeSentinels(kafka, 'end', [
      [a, 2],
      [b, 1],
    ]);
    const committedJs = await readValues(kafka, [a, b], { readUncommitted: false, until: sentinels });
    expect(withPrefix(committedJs, 'c-')).toEqual(['c-1', 'c-2', 'c-3', 'c-4']);
    expect(withPrefix(committedJs, 'x-')).toEqual([]);
    const committedPy = await pythonRead([a, b], 'read_committed', sentinels);
    expect(withPrefix(committedPy, 'c-')).toEqual(['c-1', 'c-2', 'c-3', 'c-4']);
    expect(withPrefix(committedPy, 'x-')).toEqual([]);
    const uncommittedPy = await pythonRead([a, b], 'read_uncommitted', sentinels);
    expect(withPrefix(uncommittedPy, 'x-')).toEqual(['x-1', 'x-2']);

    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchOffsets({ groupId: 'g-confluent', topics: [input] });
      expect(offsets[0]!.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '7' })]);
    } finally {
      await admin.disconnect();
    }
  });

  it('fences the first producer when a second one with the same transactional.id initializes', async () => {
    const topic = topicName('cf-fence');
    await createTopic(topic, 1);
    const zombie = produce('confluent-fence', [{ op: 'begin' }, { op: 'produce', topic, partition: 0, values: ['zombie-1'] }, { op: 'pause' }, { op: 'commit' }]);
    await zombie.waitFor((e) => (e.event === 'ok' && e.op === 'produce') || e.event === 'error', 'the first producer to write');
    expect(failure(zombie), zombie.describe()).toBeUndefined();

    const winner = produce('confluent-fence', [{ op: 'begin' }, { op: 'produce', topic, partition: 0, values: ['winner-1'] }, { op: 'commit' }]);
    await winner.waitFor((e) => (e.event === 'ok' && e.op === 'commit') || e.event === 'error', 'the second producer to commit', 40_000);
    expect(failure(winner), winner.describe()).toBeUndefined();

    zombie.send({ go: true });
    const refused = await zombie.waitFor((e) => e.event === 'error' || (e.event === 'ok' && e.op === 'commit'), "the first producer's commit");
    // librdkafka turns the broker's INVALID_PRODUCER_EPOCH (EndTxn v1) into its fatal "fenced" error.
    expect(refused, zombie.describe()).toMatchObject({ event: 'error', op: 'commit', code: '_FENCED', fatal: true });

    const sentinels = await writeSentinels(kafka, 'end', [[topic, 1]]);
    const seen = await readValues(kafka, [topic], { readUncommitted: false, until: sentinels });
    expect(withPrefix(seen, 'winner')).toEqual(['winner-1']);
    expect(withPrefix(seen, 'zombie')).toEqual([]);
  });
});
