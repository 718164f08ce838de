import { ApiKey, type JoinGroupResponse } from '@tributary/protocol';
import { clientHostOf } from '../coordinator/handler-support.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/** Before v7 the response has no nullable protocol name: Kafka sends "" (GroupCoordinator.NoProtocol). */
const FIRST_NULLABLE_PROTOCOL_NAME_VERSION = 7;

/**
 * JoinGroup (key 11): held by the coordinator until the group's join phase completes (all members
 * rejoined, the rebalance timeout passed, or the initial delay of a new group ran out), or answered
 * at once with an error or, from v4 for a member without an id, MEMBER_ID_REQUIRED and its new id.
 * Version rules live in the coordinator (v0 has no rebalance timeout; v5 brings group.instance.id).
 */
export const joinGroupHandler = defineHandler({
  apiKey: ApiKey.JoinGroup,
  versions: advertisedVersions(ApiKey.JoinGroup),
  async handle(ctx, request): Promise<JoinGroupResponse> {
    const result = await ctx.services.groups.coordinator.joinGroup({
      apiVersion: ctx.apiVersion,
      groupId: request.groupId,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
      protocolType: request.protocolType,
      protocols: request.protocols,
      reason: request.reason,
      clientId: ctx.clientId ?? '',
      clientHost: clientHostOf(ctx.connection),
    });
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      generationId: result.generationId,
      protocolType: result.protocolType,
      protocolName: ctx.apiVersion >= FIRST_NULLABLE_PROTOCOL_NAME_VERSION ? result.protocolName : (result.protocolName ?? ''),
      leader: result.leader,
      skipAssignment: result.skipAssignment,
      memberId: result.memberId,
      members: result.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata })),
    };
  },
});
