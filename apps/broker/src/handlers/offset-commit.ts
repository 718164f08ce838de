import { ApiKey, ErrorCode, type OffsetCommitResponse } from '@tributary/protocol';
import { partitionExistence } from '../coordinator/handler-support.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/** Only v1 carries a per-partition commit timestamp, only v2-4 a retention time. */
const COMMIT_TIMESTAMP_VERSION = 1;
const FIRST_RETENTION_VERSION = 2;
const LAST_RETENTION_VERSION = 4;

const key = (topic: string, partition: number) => `${partition}:${topic}`;

/**
 * OffsetCommit (key 8): stores committed offsets in __consumer_offsets and answers once they are
 * written. Partitions of topics that do not exist get UNKNOWN_TOPIC_OR_PARTITION (Kafka checks its
 * metadata cache first); the rest go to the coordinator, which checks generation and member
 * (generation -1 with no member id: a consumer outside group management). v0 has neither field and
 * is stored like v1 (Kafka stored v0 commits in ZooKeeper, which does not exist here).
 */
export const offsetCommitHandler = defineHandler({
  apiKey: ApiKey.OffsetCommit,
  versions: advertisedVersions(ApiKey.OffsetCommit),
  async handle(ctx, request): Promise<OffsetCommitResponse> {
    const exists = await partitionExistence(ctx.services.metadata, request.topics.map((t) => t.name));
    const errors = new Map<string, number>();
    const known = request.topics
      .map((t) => ({ name: t.name, partitions: t.partitions.filter((p) => exists(t.name, p.partitionIndex)) }))
      .filter((t) => t.partitions.length > 0);

    if (known.length > 0) {
      const v = ctx.apiVersion;
      const hasRetention = v >= FIRST_RETENTION_VERSION && v <= LAST_RETENTION_VERSION;
      const result = await ctx.services.groups.coordinator.commitOffsets({
        groupId: request.groupId,
        generationIdOrMemberEpoch: request.generationIdOrMemberEpoch,
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId,
        ...(hasRetention && { retentionTimeMs: request.retentionTimeMs }),
        topics: known.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            committedOffset: p.committedOffset,
            committedLeaderEpoch: p.committedLeaderEpoch,
            ...(v === COMMIT_TIMESTAMP_VERSION && { commitTimestamp: p.commitTimestamp }),
            committedMetadata: p.committedMetadata,
          })),
        })),
      });
      for (const t of result.topics) for (const p of t.partitions) errors.set(key(t.name, p.partitionIndex), p.errorCode);
    }

    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: errors.get(key(t.name, p.partitionIndex)) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        })),
      })),
    };
  },
});
