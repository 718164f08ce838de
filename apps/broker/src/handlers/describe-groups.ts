import { ApiKey, ErrorCode, type DescribeGroupsResponse } from '@tributary/protocol';
import { GROUP_AUTHORIZED_OPERATIONS } from '../coordinator/handler-support.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/** From v3 a client may ask for the operations it may perform on each group. */
const FIRST_AUTHORIZED_OPERATIONS_VERSION = 3;

/**
 * DescribeGroups (key 15): state, protocol and members of each group (member metadata and
 * assignments only while Stable). An unknown group is described as Dead without an error, as
 * Kafka does before v6.
 */
export const describeGroupsHandler = defineHandler({
  apiKey: ApiKey.DescribeGroups,
  versions: advertisedVersions(ApiKey.DescribeGroups),
  async handle(ctx, request): Promise<DescribeGroupsResponse> {
    const wantsOperations = ctx.apiVersion >= FIRST_AUTHORIZED_OPERATIONS_VERSION && request.includeAuthorizedOperations;
    const described = await ctx.services.groups.coordinator.describeGroups(request.groups);
    return {
      throttleTimeMs: 0,
      groups: described.map((g) => ({
        errorCode: g.errorCode,
        groupId: g.groupId,
        groupState: g.groupState,
        protocolType: g.protocolType,
        protocolData: g.protocolData,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: m.memberMetadata,
          memberAssignment: m.memberAssignment,
        })),
        // No authorizer: every operation a group supports is allowed (Kafka reports the same).
        authorizedOperations: wantsOperations && g.errorCode === ErrorCode.NONE ? GROUP_AUTHORIZED_OPERATIONS : g.authorizedOperations,
      })),
    };
  },
});
