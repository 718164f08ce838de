import { ApiKey, ErrorCode, type LeaveGroupResponse } from '@tributary/protocol';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/** From v3 a request removes a batch of members (KIP-345) and the response answers per member. */
const FIRST_BATCHED_VERSION = 3;

/**
 * LeaveGroup (key 13): members leave at once and the group rebalances without them. v0-2 name one
 * member (the top-level memberId) and get one error code: the group's error if any, else the
 * member's (Kafka's LeaveGroupResponse for old versions).
 */
export const leaveGroupHandler = defineHandler({
  apiKey: ApiKey.LeaveGroup,
  versions: advertisedVersions(ApiKey.LeaveGroup),
  async handle(ctx, request): Promise<LeaveGroupResponse> {
    const batched = ctx.apiVersion >= FIRST_BATCHED_VERSION;
    const members = batched
      ? request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, reason: m.reason }))
      : [{ memberId: request.memberId, groupInstanceId: null }];
    const result = await ctx.services.groups.coordinator.leaveGroup({ groupId: request.groupId, members });
    if (!batched) {
      const memberError = result.members.find((m) => m.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE;
      return { throttleTimeMs: 0, errorCode: result.errorCode !== ErrorCode.NONE ? result.errorCode : memberError, members: [] };
    }
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      members: result.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: m.errorCode })),
    };
  },
});
