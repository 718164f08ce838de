import { ConfigError } from '../errors.js';
import type { Assignor } from './assignors/assignor.js';
import { CooperativeStickyAssignor } from './assignors/cooperative-sticky.js';
import { RangeAssignor } from './assignors/range.js';
import type { IsolationLevel } from './completed-fetch.js';
import type { OffsetResetPolicy } from './subscription-state.js';
import type { TopicPartition } from './types.js';

/** Rebalance callbacks (Java's ConsumerRebalanceListener). */
export interface RebalanceListener {
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  /** Before partitions are given up in a rebalance; offsets can still be committed here. */
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  /** Partitions taken away without a clean rebalance; committing is no longer possible. */
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>;
}

/** Consumer settings; names are Kafka's consumer configs in camelCase, defaults are Kafka's. */
export interface ConsumerConfig {
  /** group.id; without it only manual assign() is possible and nothing is committed. */
  groupId?: string;
  /** group.instance.id: static membership. */
  groupInstanceId?: string;
  /** session.timeout.ms; default 45000. */
  sessionTimeoutMs?: number;
  /** heartbeat.interval.ms; default 3000. */
  heartbeatIntervalMs?: number;
  /** max.poll.interval.ms (the rebalance timeout); default 300000. */
  maxPollIntervalMs?: number;
  /**
   * partition.assignment.strategy; default [range, cooperative-sticky] as Java 3.x (which
   * rebalances eagerly until every member lists only cooperative-sticky).
   */
  assignors?: Assignor[];
  /** enable.auto.commit; default true. */
  autoCommit?: boolean;
  /** auto.commit.interval.ms; default 5000. */
  autoCommitIntervalMs?: number;
  /** auto.offset.reset; default latest. */
  autoOffsetReset?: OffsetResetPolicy;
  /**
   * isolation.level; default read_uncommitted, as Java (kafkajs and librdkafka default to
   * read_committed). read_committed hides aborted transactions and reads up to the last stable offset.
   */
  isolationLevel?: IsolationLevel;
  /** max.poll.records: records per poll() (and per step of the iterator); default 500. run() handlers get whole fetched batches. */
  maxPollRecords?: number;
  /** fetch.min.bytes; default 1. */
  fetchMinBytes?: number;
  /** fetch.max.bytes; default 52428800. */
  fetchMaxBytes?: number;
  /** fetch.max.wait.ms; default 500. */
  fetchMaxWaitMs?: number;
  /** max.partition.fetch.bytes; default 1048576. */
  maxPartitionFetchBytes?: number;
  /** request.timeout.ms; default 30000. */
  requestTimeoutMs?: number;
  /** retry.backoff.ms; default 100. */
  retryBackoffMs?: number;
  /** retry.backoff.max.ms; default 1000. */
  retryBackoffMaxMs?: number;
  /** client.rack, sent in the subscription (rack-aware assignors may use it). */
  rackId?: string;
  /** allow.auto.create.topics; default true. */
  allowAutoTopicCreation?: boolean;
  rebalanceListener?: RebalanceListener;
  /**
   * Responses buffered per partition ahead of the application (ours, not Java's): 2 lets the next
   * fetch travel while the application processes the previous one. Default 2.
   */
  prefetchResponses?: number;
  /**
   * Fetch requests outstanding per broker, each for a share of the partitions that broker leads.
   * Default 1, as Java; more can help against a slow broker (ours, not a Java setting).
   */
  fetchesPerBroker?: number;
}

export interface ResolvedConsumerConfig {
  groupId: string | null;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxPollIntervalMs: number;
  assignors: Assignor[];
  autoCommit: boolean;
  autoCommitIntervalMs: number;
  autoOffsetReset: OffsetResetPolicy;
  isolationLevel: IsolationLevel;
  maxPollRecords: number;
  fetchMinBytes: number;
  fetchMaxBytes: number;
  fetchMaxWaitMs: number;
  maxPartitionFetchBytes: number;
  requestTimeoutMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  rackId: string | null;
  allowAutoTopicCreation: boolean;
  rebalanceListener: RebalanceListener;
  prefetchResponses: number;
  fetchesPerBroker: number;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new ConfigError(`${name} must be a positive integer, not ${v}`);
  return v;
}

export function resolveConsumerConfig(c: ConsumerConfig): ResolvedConsumerConfig {
  const sessionTimeoutMs = positiveInt('sessionTimeoutMs', c.sessionTimeoutMs ?? 45_000);
  const heartbeatIntervalMs = positiveInt('heartbeatIntervalMs', c.heartbeatIntervalMs ?? 3000);
  if (heartbeatIntervalMs >= sessionTimeoutMs) throw new ConfigError('heartbeatIntervalMs must be lower than sessionTimeoutMs');
  const autoOffsetReset = c.autoOffsetReset ?? 'latest';
  if (!['earliest', 'latest', 'none'].includes(autoOffsetReset)) throw new ConfigError(`autoOffsetReset must be earliest, latest or none`);
  const isolationLevel = c.isolationLevel ?? 'read_uncommitted';
  if (isolationLevel !== 'read_committed' && isolationLevel !== 'read_uncommitted') throw new ConfigError('isolationLevel must be read_committed or read_uncommitted');
  if (c.groupId === '') throw new ConfigError('groupId must not be empty');
  return {
    groupId: c.groupId ?? null,
    groupInstanceId: c.groupInstanceId ?? null,
    sessionTimeoutMs,
    heartbeatIntervalMs,
    maxPollIntervalMs: positiveInt('maxPollIntervalMs', c.maxPollIntervalMs ?? 300_000),
    assignors: c.assignors ?? [new RangeAssignor(), new CooperativeStickyAssignor()],
    autoCommit: c.autoCommit ?? true,
    autoCommitIntervalMs: positiveInt('autoCommitIntervalMs', c.autoCommitIntervalMs ?? 5000),
    autoOffsetReset,
    isolationLevel,
    maxPollRecords: positiveInt('maxPollRecords', c.maxPollRecords ?? 500),
    fetchMinBytes: positiveInt('fetchMinBytes', c.fetchMinBytes ?? 1),
    fetchMaxBytes: positiveInt('fetchMaxBytes', c.fetchMaxBytes ?? 52_428_800),
    fetchMaxWaitMs: positiveInt('fetchMaxWaitMs', c.fetchMaxWaitMs ?? 500),
    maxPartitionFetchBytes: positiveInt('maxPartitionFetchBytes', c.maxPartitionFetchBytes ?? 1_048_576),
    requestTimeoutMs: positiveInt('requestTimeoutMs', c.requestTimeoutMs ?? 30_000),
    retryBackoffMs: positiveInt('retryBackoffMs', c.retryBackoffMs ?? 100),
    retryBackoffMaxMs: positiveInt('retryBackoffMaxMs', c.retryBackoffMaxMs ?? 1000),
    rackId: c.rackId ?? null,
    allowAutoTopicCreation: c.allowAutoTopicCreation ?? true,
    rebalanceListener: c.rebalanceListener ?? {},
    prefetchResponses: positiveInt('prefetchResponses', c.prefetchResponses ?? 2),
    fetchesPerBroker: positiveInt('fetchesPerBroker', c.fetchesPerBroker ?? 1),
  };
}
