import type { Consumer, Kafka } from 'kafkajs';
import type { RunningBroker } from '../../broker.js';

/**
 * Shared pieces of the real-client group tests: broker settings that keep rebalances quick,
 * topic and record helpers, a kafkajs group member that records what it sees, and a polling wait.
 */

/**
 * Group settings for tests: few __consumer_offsets partitions (created on the first lookup), no
 * initial rebalance delay unless a test wants members to land in one generation, and sessions as
 * short as one second allowed (Kafka's minimum is 6 s).
 */
export const GROUP_TEST_BROKER_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({
  'offsets.topic.num.partitions': 5,
  'group.initial.rebalance.delay.ms': 0,
  'group.min.session.timeout.ms': 1000,
});

export async function createTopic(broker: RunningBroker, name: string, partitions: number): Promise<void> {
  await broker.services.topics.createTopic({ name, numPartitions: partitions });
}

/** Produces `values` (as strings) round-robin over the partitions, value i to partition i % partitions, acks=all. */
export async function produceValues(kafka: Kafka, topic: string, values: readonly string[], partitions: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: values.map((value, i) => ({ value, partition: i % partitions })) });
  } finally {
    await producer.disconnect();
  }
}

export const range = (from: number, to: number, prefix = 'v'): string[] => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);

/** Polls until `check` returns a value other than undefined/false, or fails with `what` and `detail()`. */
export async function eventually<T>(check: () => T | undefined | false, what: string, timeoutMs = 20_000, detail: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = check();
    if (r !== undefined && r !== false) return r;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${detail()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface ConsumedRecord {
  readonly member: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly value: string;
}

export interface KafkajsMemberOptions {
  readonly groupId: string;
  readonly topic: string;
  readonly name: string;
  readonly sessionTimeout?: number;
  /** How soon kafkajs notices added partitions (it rebalances when its metadata shows them). */
  readonly metadataMaxAge?: number;
  /** Commit after every message instead of kafkajs's periodic auto-commit. */
  readonly commitEachMessage?: boolean;
  /** Shared log of everything every member consumed. */
  readonly sink: ConsumedRecord[];
}

/**
 * A kafkajs 2.2.4 consumer in this process, subscribed from the beginning, recording its
 * assignment after every join (GROUP_JOIN) and every record it processes.
 */
export class KafkajsMember {
  /** Partitions of the topic after the latest join. */
  assignment: number[] = [];
  joins = 0;
  readonly memberIds: string[] = [];

  private constructor(
    readonly name: string,
    private readonly consumer: Consumer,
  ) {}

  static async start(kafka: Kafka, opts: KafkajsMemberOptions): Promise<KafkajsMember> {
    const sessionTimeout = opts.sessionTimeout ?? 6000;
    const consumer = kafka.consumer({
      groupId: opts.groupId,
      sessionTimeout,
      heartbeatInterval: Math.min(300, sessionTimeout / 3),
      rebalanceTimeout: 10_000,
      metadataMaxAge: opts.metadataMaxAge ?? 300_000,
      maxWaitTimeInMs: 200,
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    const member = new KafkajsMember(opts.name, consumer);
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      member.joins++;
      member.memberIds.push(e.payload.memberId);
      member.assignment = [...(e.payload.memberAssignment[opts.topic] ?? [])].sort((a, b) => a - b);
    });
    await consumer.connect();
    await consumer.subscribe({ topic: opts.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: !opts.commitEachMessage,
      autoCommitInterval: 200,
      eachMessage: async ({ partition, message }) => {
        opts.sink.push({ member: opts.name, partition, offset: BigInt(message.offset), value: message.value!.toString() });
        if (opts.commitEachMessage) {
          await consumer.commitOffsets([{ topic: opts.topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
        }
      },
    });
    return member;
  }

  /** Leaves the group (LeaveGroup) and disconnects. */
  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** Whether the members' latest assignments split `partitions` partitions between them, each part non-empty. */
export function coversDisjointly(members: readonly { assignment: readonly number[] }[], partitions: number): boolean {
  const all = members.flatMap((m) => m.assignment).sort((a, b) => a - b);
  return members.every((m) => m.assignment.length > 0) && all.length === partitions && all.every((p, i) => p === i);
}
