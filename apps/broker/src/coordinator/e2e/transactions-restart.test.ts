import type { Kafka, Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../broker.js';
import { kafkajsClient } from '../../compat/support/kafkajs.js';
import { silentLogger, tempDir } from '../../test-support/test-env.js';
import { readValues, transactionalProducer, TXN_TEST_BROKER_CONFIG, waitUntil, withPrefix, writeSentinels } from '../transaction/test-support/txn-e2e.js';

/**
 * A broker stopped and started again on the same data directory (in process) in the middle of
 * transactions: what was decided stays decided, a decision whose markers were not all written is
 * completed at startup, and an open transaction is aborted once its timeout passes.
 */
describe('transactions across a broker restart', () => {
  let dataDir: string;
  let cleanup: () => Promise<void>;
  let broker: RunningBroker | undefined;
  const producers: Producer[] = [];

  beforeAll(async () => {
    ({ dir: dataDir, cleanup } = await tempDir('tributary-txn-restart-'));
  });
  afterEach(async () => {
    await Promise.all(producers.splice(0).map((p) => p.disconnect().catch(() => undefined)));
    await broker?.stop();
    broker = undefined;
  });
  afterAll(async () => {
    await cleanup();
  });

  const start = async (): Promise<{ broker: RunningBroker; kafka: Kafka }> => {
    broker = await startBroker({ port: 0, dataDir, config: TXN_TEST_BROKER_CONFIG, logger: silentLogger() });
    return { broker, kafka: kafkajsClient(broker.bootstrap, 'txn-restart').kafka };
  };
  const restart = async (): Promise<{ broker: RunningBroker; kafka: Kafka }> => {
    await Promise.all(producers.splice(0).map((p) => p.disconnect()));
    await broker!.stop();
    return start();
  };
  const producer = async (kafka: Kafka, id: string, timeoutMs?: number) => {
    const p = await transactionalProducer(kafka, id, timeoutMs);
    producers.push(p);
    return p;
  };
  const describeTxn = (b: RunningBroker, id: string) => b.services.transactions.coordinator.describeTransaction(id);

  it('keeps a committed transaction committed and completes one that was decided but not yet marked', async () => {
    let { broker: b, kafka } = await start();
    await b.services.topics.createTopic({ name: 'r-committed', numPartitions: 1 });
    await b.services.topics.createTopic({ name: 'r-prepared', numPartitions: 1 });

    const committed = await (await producer(kafka, 'restart-committed')).transaction();
    await committed.send({ topic: 'r-committed', messages: [{ value: 'committed-1' }] });
    await committed.commit();

    // The COMMIT marker of r-prepared cannot be written (min.insync.replicas above the one replica):
    // EndTxn answers once the decision is durable, and the transaction stays in PrepareCommit.
    const prepared = await (await producer(kafka, 'restart-prepared')).transaction();
    await prepared.send({ topic: 'r-prepared', messages: [{ value: 'prepared-1' }] });
    await b.services.topics.replaceTopicConfigs('r-prepared', { 'min.insync.replicas': '2' });
    await prepared.commit();
    expect(describeTxn(b, 'restart-prepared').state).toBe('PrepareCommit');

    ({ broker: b, kafka } = await restart());
    await b.services.transactions.whenLoaded();
    expect(describeTxn(b, 'restart-committed').state).toBe('CompleteCommit');
    // Loaded, still waiting for its marker.
    expect(describeTxn(b, 'restart-prepared')).toMatchObject({ state: 'PrepareCommit', topics: [{ topic: 'r-prepared', partitions: [0] }] });

    await b.services.topics.replaceTopicConfigs('r-prepared', {});
    await waitUntil(() => describeTxn(b, 'restart-prepared').state === 'CompleteCommit', 'the decided transaction to complete after the restart', 10_000);
    const sentinels = await writeSentinels(kafka, 'end', [
      ['r-committed', 1],
      ['r-prepared', 1],
    ]);
    const seen = await readValues(kafka, ['r-committed', 'r-prepared'], { readUncommitted: false, until: sentinels });
    expect(withPrefix(seen, 'committed')).toEqual(['committed-1']);
    expect(withPrefix(seen, 'prepared')).toEqual(['prepared-1']);
  });

  it('aborts a transaction left open across the restart once its timeout passes, unblocking read_committed consumers', async () => {
    let { broker: b, kafka } = await start();
    await b.services.topics.createTopic({ name: 'r-open', numPartitions: 1 });
    const open = await (await producer(kafka, 'restart-open', 1500)).transaction();
    await open.send({ topic: 'r-open', messages: [{ value: 'open-1' }] });
    const epoch = describeTxn(b, 'restart-open').producerEpoch;

    ({ broker: b, kafka } = await restart());
    await b.services.transactions.whenLoaded();
    await waitUntil(() => describeTxn(b, 'restart-open').state === 'CompleteAbort', 'the open transaction to time out after the restart', 10_000, () =>
      JSON.stringify(describeTxn(b, 'restart-open')),
    );
    expect(describeTxn(b, 'restart-open').producerEpoch).toBe(epoch + 1);
    const log = b.services.logManager.getLog('r-open', 0)!;
    expect(log.lastStableOffset).toBe(log.logEndOffset);

    const sentinels = await writeSentinels(kafka, 'end', [['r-open', 1]]);
    expect(withPrefix(await readValues(kafka, ['r-open'], { readUncommitted: false, until: sentinels }), 'open')).toEqual([]);
    expect(withPrefix(await readValues(kafka, ['r-open'], { readUncommitted: true, until: sentinels }), 'open')).toEqual(['open-1']);
  });
});
