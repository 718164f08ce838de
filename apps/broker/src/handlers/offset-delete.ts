import { ApiKey, ErrorCode, type OffsetDeleteResponse } from '@tributary/protocol';
import { partitionExistence } from '../coordinator/handler-support.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

const key = (topic: string, partition: number) => `${partition}:${topic}`;

/**
 * OffsetDelete (key 47): removes committed offsets of some partitions from a group. Partitions of
 * unknown topics get UNKNOWN_TOPIC_OR_PARTITION; while a consumer group is subscribed to a topic its
 * offsets stay (GROUP_SUBSCRIBED_TO_TOPIC). A group-level error comes alone, without topics.
 */
export const offsetDeleteHandler = defineHandler({
  apiKey: ApiKey.OffsetDelete,
  versions: advertisedVersions(ApiKey.OffsetDelete),
  async handle(ctx, request): Promise<OffsetDeleteResponse> {
    const exists = await partitionExistence(ctx.services.metadata, request.topics.map((t) => t.name));
    const known = request.topics
      .map((t) => ({ name: t.name, partitions: t.partitions.filter((p) => exists(t.name, p.partitionIndex)) }))
      .filter((t) => t.partitions.length > 0);
    // Called even with nothing to delete: the group itself is still checked, as in Kafka.
    const result = await ctx.services.groups.coordinator.deleteOffsets({ groupId: request.groupId, topics: known });
    if (result.errorCode !== ErrorCode.NONE) return { errorCode: result.errorCode, throttleTimeMs: 0, topics: [] };
    const errors = new Map<string, number>();
    for (const t of result.topics) for (const p of t.partitions) errors.set(key(t.name, p.partitionIndex), p.errorCode);
    return {
      errorCode: ErrorCode.NONE,
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
