import { ApiKey, type HeartbeatResponse } from '@tributary/protocol';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/**
 * Heartbeat (key 12): keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin,
 * ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID / FENCED_INSTANCE_ID that it is no longer a member as it
 * believes.
 */
export const heartbeatHandler = defineHandler({
  apiKey: ApiKey.Heartbeat,
  versions: advertisedVersions(ApiKey.Heartbeat),
  async handle(ctx, request): Promise<HeartbeatResponse> {
    const { errorCode } = await ctx.services.groups.coordinator.heartbeat({
      groupId: request.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
    });
    return { throttleTimeMs: 0, errorCode };
  },
});
