import { ErrorCode } from '@tributary/protocol';
import type { MetadataStore } from '../controller/metadata-store.js';
import type { BrokerServices } from '../services.js';

/**
 * Small pieces the group API handlers share: what Kafka reports as a member's host, where this
 * broker is reachable as coordinator, the operations a group allows, and which of the partitions a
 * request names exist.
 */

/**
 * A member's client host as Kafka reports it (DescribeGroups, the group metadata record):
 * Java's InetAddress.toString() of the connection's peer, i.e. "/127.0.0.1".
 */
export function clientHostOf(connection: { readonly remoteAddress: string }): string {
  return `/${connection.remoteAddress}`;
}

export interface CoordinatorNode {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

/** Kafka's Node.noNode(): what an error answer carries instead of a coordinator. */
export const NO_NODE: CoordinatorNode = Object.freeze({ nodeId: -1, host: '', port: -1 });

/**
 * This broker as coordinator, reached through the listener the request came in on (as Kafka picks
 * the endpoint by the request's listener name); undefined when that listener is not advertised.
 */
export function coordinatorNode(services: BrokerServices, listenerName: string): CoordinatorNode | undefined {
  const endpoint = services.advertisedEndpoints().find((e) => e.listenerName === listenerName);
  return endpoint ? { nodeId: services.nodeId, host: endpoint.host, port: endpoint.port } : undefined;
}

/**
 * DescribeGroups' authorized operations for a group when asked (v3+): with no authorizer Kafka
 * reports every operation a group supports, as a bit field of ACL operation codes:
 * READ (3), DELETE (6) and DESCRIBE (8).
 */
export const GROUP_AUTHORIZED_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);

/**
 * Which of the named topic partitions exist, as `exists(topic, partition)`; each topic is looked up
 * once. OffsetCommit and OffsetDelete answer UNKNOWN_TOPIC_OR_PARTITION for the others, as Kafka's
 * metadata-cache check does.
 */
async function partitionExistence(
  metadata: MetadataStore,
  topicNames: Iterable<string>,
): Promise<(topic: string, partition: number) => boolean> {
  const counts = new Map<string, number>();
  for (const name of new Set(topicNames)) {
    const topic = await metadata.getTopic(name);
    counts.set(name, topic?.partitions.length ?? 0);
  }
  return (topic, partition) => partition >= 0 && partition < (counts.get(topic) ?? 0);
}

interface RequestedTopic<P> {
  readonly name: string;
  readonly partitions: readonly P[];
}

/**
 * A group offsets request's topics (OffsetCommit, TxnOffsetCommit, OffsetDelete) cut down to the
 * partitions that exist; topics left with none are dropped. The rest never reach the coordinator
 * and answer UNKNOWN_TOPIC_OR_PARTITION (see partitionErrorsAnswer).
 */
export async function existingPartitions<P extends { readonly partitionIndex: number }>(
  metadata: MetadataStore,
  topics: readonly RequestedTopic<P>[],
): Promise<Array<{ name: string; partitions: P[] }>> {
  const exists = await partitionExistence(metadata, topics.map((t) => t.name));
  return topics
    .map((t) => ({ name: t.name, partitions: t.partitions.filter((p) => exists(t.name, p.partitionIndex)) }))
    .filter((t) => t.partitions.length > 0);
}

interface PartitionCode {
  readonly partitionIndex: number;
  readonly errorCode: number;
}

/** What the coordinator answered per partition of a group offsets request. */
export type AnsweredPartitions = readonly RequestedTopic<PartitionCode>[];

/**
 * The per-partition answer of a group offsets request, in request order: the coordinator's code for
 * each partition it was given (through `mapCode`, for version differences), UNKNOWN_TOPIC_OR_PARTITION
 * for the ones existingPartitions held back.
 */
export function partitionErrorsAnswer(
  requested: readonly RequestedTopic<{ readonly partitionIndex: number }>[],
  answered: AnsweredPartitions,
  mapCode: (code: number) => number = (code) => code,
): Array<{ name: string; partitions: PartitionCode[] }> {
  const codes = new Map<string, number>();
  const key = (topic: string, partition: number) => `${partition}:${topic}`;
  for (const t of answered) for (const p of t.partitions) codes.set(key(t.name, p.partitionIndex), mapCode(p.errorCode));
  return requested.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({
      partitionIndex: p.partitionIndex,
      errorCode: codes.get(key(t.name, p.partitionIndex)) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    })),
  }));
}

