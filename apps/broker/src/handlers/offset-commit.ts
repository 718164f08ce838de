import { ApiKey, type OffsetCommitResponse } from '@tributary/protocol';
import { existingPartitions, partitionErrorsAnswer, type AnsweredPartitions } from '../coordinator/handler-support.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/** Only v1 carries a per-partition commit timestamp, only v2-4 a retention time. */
const COMMIT_TIMESTAMP_VERSION = 1;
const FIRST_RETENTION_VERSION = 2;
const LAST_RETENTION_VERSION = 4;

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
    const known = await existingPartitions(ctx.services.metadata, request.topics);
    let answered: AnsweredPartitions = [];

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
      answered = result.topics;
    }

    return { throttleTimeMs: 0, topics: partitionErrorsAnswer(request.topics, answered) };
  },
});
