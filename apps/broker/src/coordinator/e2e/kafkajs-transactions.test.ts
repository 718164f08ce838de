import type { Kafka, Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { kafkajsClient } from '../../compat/support/kafkajs.js';
import { startCompatBroker, topicName, type CompatBroker } from '../../compat/support/in-process.js';
import { readValues, transactionalProducer, TXN_TEST_BROKER_CONFIG, waitUntil, withPrefix, writeSentinels } from '../transaction/test-support/txn-e2e.js';

describe('transactions with the kafkajs 2.2.4 producer', () => {
  let env: CompatBroker;
  let kafka: Kafka;
  const producers: Producer[] = [];

  beforeAll(async () => {
    env = await startCompatBroker(TXN_TEST_BROKER_CONFIG);
    kafka = kafkajsClient(env.bootstrap, 'txn-test').kafka;
  });
  afterEach(async () => {
    await Promise.all(producers.splice(0).map((p) => p.disconnect().catch(() => undefined)));
  });
  afterAll(async () => {
    await env.close();
  });

  const producer = async (transactionalId: string, timeoutMs?: number) => {
    const p = await transactionalProducer(kafka, transactionalId, timeoutMs);
    producers.push(p);
    return p;
  };
  const createTopic = (name: string, numPartitions: number) => env.broker.services.topics.createTopic({ name, numPartitions });
  const describeTxn = (id: string) => env.broker.services.transactions.coordinator.describeTransaction(id);

  it('commits records to several partitions of two topics; read_committed sees them and never an aborted transaction, read_uncommitted sees both', async () => {
    const orders = topicName('orders');
    const audit = topicName('audit');
    await createTopic(orders, 2);
    await createTopic(audit, 1);
    const p = await producer('kafkajs-commit');

    const committed = await p.transaction();
    await committed.send({ topic: orders, messages: [{ value: 'c-o0', partition: 0 }, { value: 'c-o1', partition: 1 }] });
    await committed.send({ topic: audit, messages: [{ value: 'c-a0', partition: 0 }] });
    await committed.commit();
    expect(describeTxn('kafkajs-commit').state).toBe('CompleteCommit');

    const aborted = await p.transaction();
    await aborted.send({ topic: orders, messages: [{ value: 'x-o0', partition: 0 }, { value: 'x-o1', partition: 1 }] });
    await aborted.send({ topic: audit, messages: [{ value: 'x-a0', partition: 0 }] });
    await aborted.abort();
    expect(describeTxn('kafkajs-commit').state).toBe('CompleteAbort');

    // And one more committed after the abort: the producer goes on with the same epoch.
    const again = await p.transaction();
    await again.send({ topic: orders, messages: [{ value: 'c-o0-again', partition: 0 }] });
    await again.commit();

    const sentinels = await writeSentinels(kafka, 'end', [
      [orders, 2],
      [audit, 1],
    ]);
    const readCommitted = await readValues(kafka, [orders, audit], { readUncommitted: false, until: sentinels });
    expect(withPrefix(readCommitted, 'c-')).toEqual(['c-a0', 'c-o0', 'c-o0-again', 'c-o1']);
    expect(withPrefix(readCommitted, 'x-')).toEqual([]);
    const readUncommitted = await readValues(kafka, [orders, audit], { readUncommitted: true, until: sentinels });
    expect(withPrefix(readUncommitted, 'c-')).toEqual(['c-a0', 'c-o0', 'c-o0-again', 'c-o1']);
    expect(withPrefix(readUncommitted, 'x-')).toEqual(['x-a0', 'x-o0', 'x-o1']);
  });

  it('commits consumed offsets with the transaction (sendOffsets), and drops them when it aborts', async () => {
    const input = topicName('eos-in');
    const output = topicName('eos-out');
    await createTopic(input, 1);
    await createTopic(output, 1);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const p = await producer('kafkajs-offsets');
      const tx = await p.transaction();
      await tx.send({ topic: output, messages: [{ value: 'out-1' }] });
      await tx.sendOffsets({ consumerGroupId: 'g-eos', topics: [{ topic: input, partitions: [{ partition: 0, offset: '3' }] }] });
      await tx.commit();
      const committed = await admin.fetchOffsets({ groupId: 'g-eos', topics: [input] });
      expect(committed[0]!.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '3' })]);

      const abandoned = await p.transaction();
      await abandoned.send({ topic: output, messages: [{ value: 'out-2' }] });
      await abandoned.sendOffsets({ consumerGroupId: 'g-eos', topics: [{ topic: input, partitions: [{ partition: 0, offset: '5' }] }] });
      await abandoned.abort();
      const after = await admin.fetchOffsets({ groupId: 'g-eos', topics: [input] });
      expect(after[0]!.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '3' })]);
    } finally {
      await admin.disconnect();
    }
  });

  it('fences a producer when a second instance with the same transactionalId starts: its transaction is aborted and its commit refused', async () => {
    const topic = topicName('fence');
    await createTopic(topic, 1);
    const zombie = await producer('kafkajs-fence');
    const zombieTx = await zombie.transaction();
    await zombieTx.send({ topic, messages: [{ value: 'zombie-1' }] });

    const winner = await producer('kafkajs-fence');
    const winnerTx = await winner.transaction();
    await winnerTx.send({ topic, messages: [{ value: 'winner-1' }] });
    await winnerTx.commit();

    await expect(zombieTx.commit()).rejects.toMatchObject({ type: 'INVALID_PRODUCER_EPOCH' });
    const sentinels = await writeSentinels(kafka, 'end', [[topic, 1]]);
    const seen = await readValues(kafka, [topic], { readUncommitted: false, until: sentinels });
    expect(withPrefix(seen, 'winner')).toEqual(['winner-1']);
    expect(withPrefix(seen, 'zombie')).toEqual([]);
  });

  it('aborts a transaction that outlives its timeout and fences the producer that let it', async () => {
    const topic = topicName('timeout');
    await createTopic(topic, 1);
    const p = await producer('kafkajs-timeout', 1000);
    const tx = await p.transaction();
    await tx.send({ topic, messages: [{ value: 'late-1' }] });
    const epoch = describeTxn('kafkajs-timeout').producerEpoch;
    await waitUntil(() => describeTxn('kafkajs-timeout').state === 'CompleteAbort', 'the timed-out transaction to be aborted', 10_000, () =>
      JSON.stringify(describeTxn('kafkajs-timeout')),
    );
    expect(describeTxn('kafkajs-timeout').producerEpoch).toBe(epoch + 1);
    await expect(tx.commit()).rejects.toMatchObject({ type: 'INVALID_PRODUCER_EPOCH' });

    const sentinels = await writeSentinels(kafka, 'end', [[topic, 1]]);
    expect(withPrefix(await readValues(kafka, [topic], { readUncommitted: false, until: sentinels }), 'late')).toEqual([]);
    expect(withPrefix(await readValues(kafka, [topic], { readUncommitted: true, until: sentinels }), 'late')).toEqual(['late-1']);
  });
});
