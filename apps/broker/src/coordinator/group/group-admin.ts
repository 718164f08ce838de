import { ErrorCode } from '@tributary/protocol';
import type { DeleteGroupsResult, DescribedGroup, ListGroupsRequest, ListGroupsResult } from './api-types.js';
import type { CoordinatorContext } from './coordinator-context.js';
import type { GroupMetadata } from './group-metadata.js';
import { validateGroupStatus } from './validation.js';

/** DescribeGroups' value for "authorized operations not requested". */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** Every group here speaks the classic protocol (KIP-848 consumer groups are not implemented). */
const CLASSIC_GROUP_TYPE = 'classic';

/** DescribeGroups, ListGroups and DeleteGroups. */
export class GroupAdmin {
  constructor(private readonly ctx: CoordinatorContext) {}

  describeGroups(groupIds: readonly string[]): DescribedGroup[] {
    return groupIds.map((groupId) => {
      const statusError = validateGroupStatus(this.ctx, groupId, 'DescribeGroups');
      if (statusError !== null) return describedGroup(groupId, statusError, '');
      const group = this.ctx.manager.getGroup(groupId);
      // Before DescribeGroups v6 an unknown group is described as Dead, without an error.
      if (!group) return describedGroup(groupId, ErrorCode.NONE, 'Dead');
      return summarize(group);
    });
  }

  listGroups(req: ListGroupsRequest): ListGroupsResult {
    if (!this.ctx.isActive()) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
    const errorCode = this.ctx.manager.isLoading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE;
    const states = new Set((req.statesFilter ?? []).map((s) => s.toLowerCase()));
    const types = new Set((req.typesFilter ?? []).map((t) => t.toLowerCase()));
    if (types.size > 0 && !types.has(CLASSIC_GROUP_TYPE)) return { errorCode, groups: [] };
    const groups = this.ctx.manager
      .currentGroups()
      .filter((g) => states.size === 0 || states.has(g.state.toLowerCase()))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state, groupType: CLASSIC_GROUP_TYPE }));
    return { errorCode, groups };
  }

  /** Deletes Empty groups with all their offsets; a group with members is NON_EMPTY_GROUP. */
  async deleteGroups(groupIds: readonly string[]): Promise<DeleteGroupsResult> {
    const manager = this.ctx.manager;
    const unique = [...new Set(groupIds)];
    const errors = new Map<string, number>();
    const eligible: GroupMetadata[] = [];
    const missing = (groupId: string) => (manager.groupNotExists(groupId) ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.NOT_COORDINATOR);
    for (const groupId of unique) {
      const statusError = validateGroupStatus(this.ctx, groupId, 'DeleteGroups');
      if (statusError !== null) {
        errors.set(groupId, statusError);
        continue;
      }
      const group = manager.getGroup(groupId);
      if (!group || group.is('Dead')) {
        errors.set(groupId, missing(groupId));
      } else if (group.is('Empty')) {
        // Dead at once, so that nothing joins or commits while the tombstones are written.
        group.transitionTo('Dead');
        eligible.push(group);
      } else {
        errors.set(groupId, ErrorCode.NON_EMPTY_GROUP);
      }
    }
    if (eligible.length > 0) {
      for (const [groupId, errorCode] of await manager.deleteGroups(eligible)) errors.set(groupId, errorCode);
    }
    return { results: unique.map((groupId) => ({ groupId, errorCode: errors.get(groupId)! })) };
  }
}

function describedGroup(groupId: string, errorCode: number, groupState: string): DescribedGroup {
  return { errorCode, groupId, groupState, protocolType: '', protocolData: '', members: [], authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
}

/** Kafka's GroupMetadata.summary: member metadata and assignments only while Stable. */
function summarize(group: GroupMetadata): DescribedGroup {
  const stable = group.is('Stable') && group.protocolName !== null;
  const protocol = group.protocolName ?? '';
  const empty = Buffer.alloc(0);
  return {
    errorCode: ErrorCode.NONE,
    groupId: group.groupId,
    groupState: group.state,
    protocolType: group.protocolType ?? '',
    protocolData: stable ? protocol : '',
    members: group.allMembers().map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberMetadata: stable ? m.metadata(protocol) : empty,
      memberAssignment: stable ? m.assignment : empty,
    })),
    authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}
