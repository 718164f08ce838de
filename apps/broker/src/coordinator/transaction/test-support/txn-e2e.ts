import type { Kafka, Producer } from 'kafkajs';

/**
 * Shared pieces of the real-client transaction tests: broker settings that keep them quick, a
 * kafkajs transactional producer, sentinel records, and a kafkajs consumer that reads topics from
 * the beginning at an isolation level until it has seen what the test waits for.
 */

/**
 * Few internal partitions (created on the first lookups), quick groups, and timed-out
 * transactions looked for every 200 ms instead of every 10 s.
 */
export const TXN_TEST_BROKER_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({
  'offsets.topic.num.partitions': 3,
  'transaction.state.log.num.partitions': 3,
  'group.initial.rebalance.delay.ms': 0,
  'group.min.session.timeout.ms': 1000,
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': 200,
});

/** A connected kafkajs transactional producer (idempotent, one request in flight, as kafkajs requires). */
export async function transactionalProducer(kafka: Kafka, transactionalId: string, transactionTimeout = 30_000): Promise<Producer> {
  const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout });
  await producer.connect();
  return producer;
}

/**
 * Appends one committed, non-transactional record `<prefix>@<topic>-<partition>` to each partition,
 * acks=all. A read_committed consumer that has seen them all has read past every transaction
 * written before (they end before the sentinel), so what it did not see it never will.
 */
export async function writeSentinels(kafka: Kafka, prefix: string, topics: ReadonlyArray<[string, number]>): Promise<string[]> {
  const producer = kafka.producer();
  await producer.connect();
  const values: string[] = [];
  try {
    for (const [topic, partitions] of topics) {
      for (let partition = 0; partition < partitions; partition++) {
        const value = `${prefix}@${topic}-${partition}`;
        values.push(value);
        await producer.send({ topic, acks: -1, messages: [{ value, partition }] });
      }
    }
  } finally {
    await producer.disconnect();
  }
  return values;
}

/** Polls until `check` holds, or fails with `what` and `detail()`. */
export async function waitUntil(check: () => boolean, what: string, timeoutMs = 20_000, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${detail()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let readers = 0;

/**
 * Reads the topics from the beginning with a kafkajs consumer in a fresh group, read_committed
 * (kafkajs's default) or read_uncommitted, until every value in `until` was seen; returns every
 * value seen, in arrival order.
 */
export async function readValues(kafka: Kafka, topics: readonly string[], opts: { readUncommitted: boolean; until: readonly string[]; timeoutMs?: number }): Promise<string[]> {
  const consumer = kafka.consumer({
    groupId: `txn-reader-${process.pid}-${++readers}`,
    readUncommitted: opts.readUncommitted,
    maxWaitTimeInMs: 100,
    sessionTimeout: 6000,
    heartbeatInterval: 500,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? '');
      },
    });
    await waitUntil(
      () => opts.until.every((v) => values.includes(v)),
      `${opts.readUncommitted ? 'read_uncommitted' : 'read_committed'} consumer to see ${opts.until.join(', ')}`,
      opts.timeoutMs ?? 20_000,
      () => `seen: ${JSON.stringify(values)}`,
    );
  } finally {
    await consumer.disconnect();
  }
  return values;
}

/** The values of `seen` that start with `prefix`, sorted (a test's own records among sentinels). */
export function withPrefix(seen: readonly string[], prefix: string): string[] {
  return seen.filter((v) => v.startsWith(prefix)).sort();
}
