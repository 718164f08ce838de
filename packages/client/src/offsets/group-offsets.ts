import { ApiKey, ErrorCode, KafkaError, type OffsetCommitRequest } from '@tributary/protocol';
import { type Cluster, CoordinatorType } from '../cluster/cluster.js';
import { type TopicPartition, tpKey } from '../consumer/types.js';

export interface CommittedOffset {
  /** -1 when the group has no committed offset for the partition. */
  offset: bigint;
  metadata: string | null;
  leaderEpoch: number;
}

export interface OffsetToCommit extends TopicPartition {
  offset: bigint;
  metadata?: string | null;
}

/** Who commits: a group member (generation and member id), or an admin (generation -1, no member). */
export interface CommitIdentity {
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

/** Coordinator errors after which the coordinator must be looked up again. */
export const COORDINATOR_MOVED = new Set<number>([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE]);

function groupByTopic<T extends TopicPartition>(tps: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const tp of tps) {
    let list = out.get(tp.topic);
    if (!list) out.set(tp.topic, (list = []));
    list.push(tp);
  }
  return out;
}

/**
 * OffsetFetch: the group's committed offsets for these partitions (all partitions when null).
 * requireStable (v7+) makes the coordinator wait out pending transactional commits.
 */
export async function fetchCommittedOffsets(
  cluster: Cluster,
  groupId: string,
  tps: readonly TopicPartition[] | null,
  requireStable: boolean,
): Promise<Map<string, CommittedOffset & TopicPartition>> {
  return cluster.retry(async () => {
    const coordinator = await cluster.coordinator(groupId, CoordinatorType.Group);
    const topics = tps === null ? null : [...groupByTopic(tps)].map(([name, list]) => ({ name, partitionIndexes: list.map((t) => t.partition) }));
    const response = await coordinator.request(ApiKey.OffsetFetch, (version) => ({
      groupId: version <= 7 ? groupId : '',
      topics: version <= 7 ? topics : [],
      groups: version >= 8 ? [{ groupId, memberId: null, memberEpoch: -1, topics }] : [],
      // Before v7 a broker cannot wait out pending transactional commits; asking would not encode.
      requireStable: version >= 7 && requireStable,
    }));
    const out = new Map<string, CommittedOffset & TopicPartition>();
    let errorCode = response.errorCode;
    const add = (topic: string, p: { partitionIndex: number; committedOffset: bigint; metadata: string | null; committedLeaderEpoch: number; errorCode: number }) => {
      if (p.errorCode !== 0) throw checkCoordinator(cluster, groupId, new KafkaError(p.errorCode, `OffsetFetch ${topic}-${p.partitionIndex}`));
      out.set(tpKey(topic, p.partitionIndex), { topic, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.metadata, leaderEpoch: p.committedLeaderEpoch });
    };
    if (response.groups.length > 0) {
      const g = response.groups.find((x) => x.groupId === groupId) ?? response.groups[0]!;
      errorCode = g.errorCode;
      if (errorCode === 0) for (const t of g.topics) for (const p of t.partitions) add(t.name, p);
    } else if (errorCode === 0) {
      for (const t of response.topics) for (const p of t.partitions) add(t.name, p);
    }
    if (errorCode !== 0) throw checkCoordinator(cluster, groupId, new KafkaError(errorCode, `OffsetFetch for group ${groupId}`));
    return out;
  });
}

/**
 * OffsetCommit. A member commits with its generation; an admin (or a consumer without group
 * management) commits with generation -1, which the coordinator accepts only while the group has
 * no active members. Throws the first partition error.
 */
export async function commitOffsets(cluster: Cluster, groupId: string, who: CommitIdentity, offsets: readonly OffsetToCommit[]): Promise<void> {
  if (offsets.length === 0) return;
  await cluster.retry(async () => {
    const coordinator = await cluster.coordinator(groupId, CoordinatorType.Group);
    const topics: OffsetCommitRequest['topics'] = [...groupByTopic(offsets)].map(([name, list]) => ({
      name,
      partitions: list.map((o) => ({
        partitionIndex: o.partition,
        committedOffset: o.offset,
        committedLeaderEpoch: -1,
        commitTimestamp: -1n,
        committedMetadata: o.metadata ?? '',
      })),
    }));
    const response = await coordinator.request(ApiKey.OffsetCommit, (version) => ({
      groupId,
      generationIdOrMemberEpoch: who.generationId,
      memberId: who.memberId,
      groupInstanceId: version >= 7 ? who.groupInstanceId : null,
      retentionTimeMs: -1n,
      topics,
    }));
    for (const t of response.topics) {
      for (const p of t.partitions) {
        if (p.errorCode !== 0) throw checkCoordinator(cluster, groupId, new KafkaError(p.errorCode, `OffsetCommit ${t.name}-${p.partitionIndex}`));
      }
    }
  });
}

/** Forgets the coordinator when the error says it moved, so the retry looks it up again. */
export function checkCoordinator(cluster: Cluster, groupId: string, err: KafkaError): KafkaError {
  if (COORDINATOR_MOVED.has(err.code)) cluster.invalidateCoordinator(groupId, CoordinatorType.Group);
  return err;
}
