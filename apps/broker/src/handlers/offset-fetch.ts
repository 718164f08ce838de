import {
  ApiKey,
  ErrorCode,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
  type OffsetFetchResponseTopic,
} from '@tributary/protocol';
import type { OffsetFetchGroupResult } from '../coordinator/group/api-types.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/** v2 adds the top-level error code (before it, errors go on every partition) and null topics = all. */
const FIRST_TOP_LEVEL_ERROR_VERSION = 2;
/** v7 adds requireStable; v8 asks for several groups at once. */
const FIRST_REQUIRE_STABLE_VERSION = 7;
const FIRST_BATCHED_VERSION = 8;

/**
 * OffsetFetch (key 9): committed offsets of the requested partitions (-1 where none), or of every
 * committed partition when topics is null. v0-7 ask for one group; v8+ for several, each answered
 * with its own error. v0 is served from __consumer_offsets like v1 (Kafka's v0 read ZooKeeper).
 */
export const offsetFetchHandler = defineHandler({
  apiKey: ApiKey.OffsetFetch,
  versions: advertisedVersions(ApiKey.OffsetFetch),
  async handle(ctx, request): Promise<OffsetFetchResponse> {
    const v = ctx.apiVersion;
    const groups =
      v >= FIRST_BATCHED_VERSION
        ? request.groups.map((g) => ({ groupId: g.groupId, topics: g.topics }))
        : [{ groupId: request.groupId, topics: request.topics }];
    const result = await ctx.services.groups.coordinator.fetchOffsets({
      groups,
      requireStable: v >= FIRST_REQUIRE_STABLE_VERSION && request.requireStable,
    });
    if (v >= FIRST_BATCHED_VERSION) {
      return {
        throttleTimeMs: 0,
        topics: [],
        errorCode: ErrorCode.NONE,
        groups: result.groups.map((g) => ({ groupId: g.groupId, errorCode: g.errorCode, topics: topicsOf(g) })),
      };
    }
    const group = result.groups[0]!;
    if (group.errorCode !== ErrorCode.NONE && v < FIRST_TOP_LEVEL_ERROR_VERSION) {
      return { throttleTimeMs: 0, topics: errorOnEveryPartition(request, group.errorCode), errorCode: group.errorCode, groups: [] };
    }
    return { throttleTimeMs: 0, topics: topicsOf(group), errorCode: group.errorCode, groups: [] };
  },
});

function topicsOf(group: OffsetFetchGroupResult): OffsetFetchResponseTopic[] {
  return group.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({
      partitionIndex: p.partitionIndex,
      committedOffset: p.committedOffset,
      committedLeaderEpoch: p.committedLeaderEpoch,
      metadata: p.metadata,
      errorCode: p.errorCode,
    })),
  }));
}

/** Before v2 there is no top-level error: Kafka puts it on every requested partition, offset -1. */
function errorOnEveryPartition(request: OffsetFetchRequest, errorCode: number): OffsetFetchResponseTopic[] {
  return (request.topics ?? []).map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode })),
  }));
}
