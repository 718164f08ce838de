import { ApiKey, ErrorCode, type DeleteTopicsResponse } from '@tributary/protocol';
import type { TopicRef } from '../controller/topic-manager.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/**
 * DeleteTopics (key 20): by name (v0-5) or by name or id (v6+), each topic independently. The
 * metadata goes first, then the logs (renamed at once, removed in the background). With
 * delete.topic.enable=false every topic fails: INVALID_REQUEST before v3, TOPIC_DELETION_DISABLED
 * from v3 (Kafka's choice). The timeout is ignored: deletion is complete when the response is sent.
 */
export const deleteTopicsHandler = defineHandler({
  apiKey: ApiKey.DeleteTopics,
  versions: advertisedVersions(ApiKey.DeleteTopics),
  async handle(ctx, request): Promise<DeleteTopicsResponse> {
    const refs: TopicRef[] = ctx.apiVersion >= 6 ? request.topics : request.topicNames.map((name) => ({ name }));
    const outcomes = await ctx.services.topics.deleteTopics(refs);
    return {
      throttleTimeMs: 0,
      responses: outcomes.map((o) => {
        if (o.ok) return { name: o.value.name, topicId: o.value.topicId, errorCode: ErrorCode.NONE, errorMessage: null };
        const disabledBeforeV3 = o.error.code === 'TOPIC_DELETION_DISABLED' && ctx.apiVersion < 3;
        return {
          name: o.name,
          topicId: o.topicId,
          errorCode: disabledBeforeV3 ? ErrorCode.INVALID_REQUEST : o.error.errorCode,
          errorMessage: o.error.message,
        };
      }),
    };
  },
});
