import { ApiKey, ErrorCode, type SyncGroupResponse } from '@tributary/protocol';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/** From v5 the request must name the group's protocol type and name (Kafka checks both are present). */
const FIRST_MANDATORY_PROTOCOL_VERSION = 5;

/**
 * SyncGroup (key 14): the leader hands in the assignment; every member's request (followers
 * included) is held until that assignment has been written to __consumer_offsets, then each gets
 * its own part. In a Stable group the current assignment is returned at once.
 */
export const syncGroupHandler = defineHandler({
  apiKey: ApiKey.SyncGroup,
  versions: advertisedVersions(ApiKey.SyncGroup),
  async handle(ctx, request): Promise<SyncGroupResponse> {
    const mandatory = ctx.apiVersion >= FIRST_MANDATORY_PROTOCOL_VERSION;
    if (mandatory && (request.protocolType === null || request.protocolName === null)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
    }
    const result = await ctx.services.groups.coordinator.syncGroup({
      groupId: request.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
      protocolType: mandatory ? request.protocolType : null,
      protocolName: mandatory ? request.protocolName : null,
      assignments: request.assignments,
    });
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      protocolType: result.protocolType,
      protocolName: result.protocolName,
      assignment: result.assignment,
    };
  },
});
