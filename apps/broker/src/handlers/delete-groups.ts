import { ApiKey, type DeleteGroupsResponse } from '@tributary/protocol';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/**
 * DeleteGroups (key 42): removes Empty groups with their committed offsets (tombstones in
 * __consumer_offsets); a group with members is NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND.
 */
export const deleteGroupsHandler = defineHandler({
  apiKey: ApiKey.DeleteGroups,
  versions: advertisedVersions(ApiKey.DeleteGroups),
  async handle(ctx, request): Promise<DeleteGroupsResponse> {
    const { results } = await ctx.services.groups.coordinator.deleteGroups(request.groupsNames);
    return { throttleTimeMs: 0, results: results.map((r) => ({ groupId: r.groupId, errorCode: r.errorCode })) };
  },
});
