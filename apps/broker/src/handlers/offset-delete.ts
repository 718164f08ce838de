import { ApiKey, ErrorCode, type OffsetDeleteResponse } from '@tributary/protocol';
import { existingPartitions, partitionErrorsAnswer } from '../coordinator/handler-support.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/**
 * OffsetDelete (key 47): removes committed offsets of some partitions from a group. Partitions of
 * unknown topics get UNKNOWN_TOPIC_OR_PARTITION; while a consumer group is subscribed to a topic its
 * offsets stay (GROUP_SUBSCRIBED_TO_TOPIC). A group-level error comes alone, without topics.
 */
export const offsetDeleteHandler = defineHandler({
  apiKey: ApiKey.OffsetDelete,
  versions: advertisedVersions(ApiKey.OffsetDelete),
  async handle(ctx, request): Promise<OffsetDeleteResponse> {
    const known = await existingPartitions(ctx.services.metadata, request.topics);
    // Called even with nothing to delete: the group itself is still checked, as in Kafka.
    const result = await ctx.services.groups.coordinator.deleteOffsets({ groupId: request.groupId, topics: known });
    if (result.errorCode !== ErrorCode.NONE) return { errorCode: result.errorCode, throttleTimeMs: 0, topics: [] };
    return { errorCode: ErrorCode.NONE, throttleTimeMs: 0, topics: partitionErrorsAnswer(request.topics, result.topics) };
  },
});
