import { ApiKey, type ListGroupsResponse } from '@tributary/protocol';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/** v4 adds the state filter, v5 the group type filter. */
const FIRST_STATES_FILTER_VERSION = 4;
const FIRST_TYPES_FILTER_VERSION = 5;

/**
 * ListGroups (key 16): every group this coordinator holds, optionally only those in the given
 * states (case-insensitive, v4+) or of the given types (v5+). COORDINATOR_LOAD_IN_PROGRESS comes
 * with the groups loaded so far.
 */
export const listGroupsHandler = defineHandler({
  apiKey: ApiKey.ListGroups,
  versions: advertisedVersions(ApiKey.ListGroups),
  async handle(ctx, request): Promise<ListGroupsResponse> {
    const result = await ctx.services.groups.coordinator.listGroups({
      statesFilter: ctx.apiVersion >= FIRST_STATES_FILTER_VERSION ? request.statesFilter : [],
      typesFilter: ctx.apiVersion >= FIRST_TYPES_FILTER_VERSION ? request.typesFilter : [],
    });
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      groups: result.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.groupState, groupType: g.groupType })),
    };
  },
});
