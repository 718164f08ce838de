import { ApiKey, ErrorCode, type CreateTopicsRequest, type CreateTopicsResponse } from '@tributary/protocol';
import type { NewTopicSpec } from '../controller/topic-manager.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

type Result = CreateTopicsResponse['topics'][number];

/**
 * CreateTopics (key 19): each topic created independently by the TopicManager, with its own error
 * and message; validateOnly checks without creating; -1 partitions / replication factor take the
 * broker defaults; v5+ also returns the partition count, replication factor and configs, v7+ the
 * topic id. The timeout is ignored: on one node a topic is fully created before the response.
 */
export const createTopicsHandler = defineHandler({
  apiKey: ApiKey.CreateTopics,
  versions: advertisedVersions(ApiKey.CreateTopics),
  async handle(ctx, request): Promise<CreateTopicsResponse> {
    const { topics, configs } = ctx.services;
    const outcomes = await topics.createTopics(request.topics.map(toSpec), { validateOnly: request.validateOnly });
    return {
      throttleTimeMs: 0,
      topics: outcomes.map((o): Result => {
        if (!o.ok) {
          return { ...failed(o.name), errorCode: o.error.errorCode, errorMessage: o.error.message };
        }
        const t = o.value;
        return {
          name: t.name,
          topicId: t.topicId,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          topicConfigErrorCode: ErrorCode.NONE,
          numPartitions: t.numPartitions,
          replicationFactor: t.replicationFactor,
          configs: configs.newTopicConfigs(t.overrides, t.logConfig).map((c) => ({
            name: c.name,
            value: c.value,
            readOnly: c.readOnly,
            configSource: c.source,
            isSensitive: c.isSensitive,
          })),
        };
      }),
    };
  },
});

function toSpec(t: CreateTopicsRequest['topics'][number]): NewTopicSpec {
  // Repeated config names: the last one wins, as with Kafka's Properties.
  const configs: Record<string, string | null> = {};
  for (const c of t.configs) configs[c.name] = c.value;
  return {
    name: t.name,
    numPartitions: t.numPartitions,
    replicationFactor: t.replicationFactor,
    assignments: t.assignments,
    configs,
  };
}

/** Kafka resets these on a failed topic: no partitions, no replication factor, no configs. */
function failed(name: string): Result {
  return {
    name,
    topicId: Buffer.alloc(16),
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    topicConfigErrorCode: ErrorCode.NONE,
    numPartitions: -1,
    replicationFactor: -1,
    configs: [],
  };
}
