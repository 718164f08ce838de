import { ErrorCode } from '@tributary/protocol';
import { isAdminError } from '../controller/admin-error.js';
import type { MetadataStore, TopicMetadata } from '../controller/metadata-store.js';
import { INTERNAL_TOPICS, topicNameProblem } from '../controller/topic-names.js';
import type { ReplicaManager } from './replica-manager.js';

/** authorized_operations when the client did not ask for them (Kafka's Integer.MIN_VALUE). */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;
/**
 * Without an authorizer every operation is allowed: the bit set of every ACL operation Kafka
 * supports on a topic (READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8,
 * DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11) and on the cluster (CREATE 5, ALTER 7, DESCRIBE 8,
 * CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12).
 */
export const ALL_TOPIC_OPERATIONS = bits(3, 4, 5, 6, 7, 8, 10, 11);
export const ALL_CLUSTER_OPERATIONS = bits(5, 7, 8, 9, 10, 11, 12);

function bits(...ops: number[]): number {
  return ops.reduce((acc, op) => acc | (1 << op), 0);
}

/** One partition as Metadata reports it. */
export interface PartitionDescription {
  readonly partitionIndex: number;
  readonly errorCode: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly replicaNodes: readonly number[];
  readonly isrNodes: readonly number[];
  readonly offlineReplicas: readonly number[];
}

/** One topic as Metadata reports it; an error (unknown, invalid name) comes without partitions. */
export interface TopicDescription {
  readonly errorCode: number;
  readonly name: string | null;
  /** All zero when unknown. */
  readonly topicId: Buffer;
  readonly isInternal: boolean;
  readonly partitions: readonly PartitionDescription[];
}

const ZERO_UUID = Buffer.alloc(16);

/** What auto-creation needs of the TopicManager. */
export interface TopicCreator {
  createTopic(spec: { name: string }): Promise<unknown>;
}

export interface DescribeOptions {
  /** Node ids of the live brokers. */
  readonly liveBrokers: ReadonlySet<number>;
  /**
   * Metadata v0 (Kafka's errorUnavailableEndpoints): replicas on brokers that are not alive are
   * left out and the partition reports REPLICA_NOT_AVAILABLE.
   */
  readonly filterUnavailable: boolean;
}

/** Kafka's MetadataCache.getPartitionMetadata for one topic. */
export function describeTopic(topic: TopicMetadata, replicas: ReplicaManager, opts: DescribeOptions): TopicDescription {
  const partitions = replicas.topicPartitions(topic.name).map((p): PartitionDescription => {
    const l = p.leadership();
    let replicaNodes = l.replicas;
    let isrNodes = l.isr;
    let errorCode: number = ErrorCode.NONE;
    if (l.leaderId < 0 || !opts.liveBrokers.has(l.leaderId)) {
      errorCode = ErrorCode.LEADER_NOT_AVAILABLE;
    } else if (opts.filterUnavailable) {
      replicaNodes = l.replicas.filter((r) => opts.liveBrokers.has(r));
      isrNodes = l.isr.filter((r) => opts.liveBrokers.has(r));
      if (replicaNodes.length < l.replicas.length || isrNodes.length < l.isr.length) errorCode = ErrorCode.REPLICA_NOT_AVAILABLE;
    }
    return {
      partitionIndex: p.index,
      errorCode,
      leaderId: errorCode === ErrorCode.LEADER_NOT_AVAILABLE ? -1 : l.leaderId,
      leaderEpoch: l.leaderEpoch,
      replicaNodes,
      isrNodes,
      offlineReplicas: l.offlineReplicas,
    };
  });
  return { errorCode: ErrorCode.NONE, name: topic.name, topicId: topic.topicId, isInternal: INTERNAL_TOPICS.has(topic.name), partitions };
}

export function topicError(errorCode: number, name: string | null, topicId: Buffer = ZERO_UUID): TopicDescription {
  return { errorCode, name, topicId, isInternal: name !== null && INTERNAL_TOPICS.has(name), partitions: [] };
}

/**
 * A named topic for Metadata: the stored topic, or — when auto-creation is allowed — the topic
 * created now with num.partitions and default.replication.factor (Kafka's AutoTopicCreationManager).
 *
 * A created topic is returned ready at once rather than with LEADER_NOT_AVAILABLE: the TopicManager
 * creates the partition logs before it returns, so the topic can take produce requests right away,
 * and clients then need no retry round (kafkajs and librdkafka would back off and ask again).
 * Internal topics are never auto-created here: the group coordinator creates __consumer_offsets
 * with its own layout (compacted, offsets.topic.num.partitions).
 */
export async function lookUpOrCreate(
  name: string,
  autoCreate: boolean,
  metadata: MetadataStore,
  creator: TopicCreator,
): Promise<TopicMetadata | { errorCode: number }> {
  const existing = await metadata.getTopic(name);
  if (existing) return existing;
  if (topicNameProblem(name) !== undefined) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION };
  if (!autoCreate || INTERNAL_TOPICS.has(name)) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  try {
    await creator.createTopic({ name });
  } catch (err) {
    // Created meanwhile by another request: describe that one.
    if (!isAdminError(err, 'TOPIC_ALREADY_EXISTS')) {
      if (isAdminError(err)) return { errorCode: err.errorCode };
      throw err;
    }
  }
  return (await metadata.getTopic(name)) ?? { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
}
