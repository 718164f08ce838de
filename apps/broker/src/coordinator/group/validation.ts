import { ErrorCode } from '@tributary/protocol';
import type { CoordinatorContext } from './coordinator-context.js';
import type { GroupMetadata } from './group-metadata.js';

/** The group APIs, named as Kafka's ApiKeys. */
export type GroupApi =
  | 'JoinGroup'
  | 'SyncGroup'
  | 'Heartbeat'
  | 'LeaveGroup'
  | 'OffsetCommit'
  | 'TxnOffsetCommit'
  | 'OffsetFetch'
  | 'OffsetDelete'
  | 'DescribeGroups'
  | 'DeleteGroups';

/** For backward compatibility Kafka accepts the empty group id in these (simple consumers, admin listing). */
const EMPTY_GROUP_ID_ALLOWED: ReadonlySet<GroupApi> = new Set<GroupApi>(['OffsetCommit', 'OffsetFetch', 'DescribeGroups', 'DeleteGroups']);

/**
 * Kafka's validateGroupStatus: the id is acceptable, the coordinator is running, the group's
 * partition is loaded and is ours. Null when the request may proceed.
 */
export function validateGroupStatus(ctx: CoordinatorContext, groupId: string | null, api: GroupApi): number | null {
  if (groupId === null || (groupId === '' && !EMPTY_GROUP_ID_ALLOWED.has(api))) return ErrorCode.INVALID_GROUP_ID;
  if (!ctx.isActive()) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (ctx.manager.isGroupLoading(groupId)) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
  if (!ctx.manager.isGroupLocal(groupId)) return ErrorCode.NOT_COORDINATOR;
  return null;
}

/**
 * The member exists and, for a static member, the instance id still maps to this member id (an
 * older member id of the same instance is fenced). Null when valid.
 */
export function validateCurrentMember(group: GroupMetadata, memberId: string, groupInstanceId: string | null): number | null {
  if (groupInstanceId !== null) {
    const current = group.currentStaticMemberId(groupInstanceId);
    if (current === null) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (current !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    return null;
  }
  return group.has(memberId) ? null : ErrorCode.UNKNOWN_MEMBER_ID;
}

/**
 * Who may commit offsets: anyone while the group is Empty with generation -1 (the admin client, or
 * a consumer that assigns partitions itself); otherwise a current member of the current
 * generation; a generation -1 commit with no member id against a group that has members is
 * refused, except a transactional one (TxnOffsetCommit v0-2 carries no member or generation).
 */
export function validateOffsetCommit(
  group: GroupMetadata,
  generationId: number,
  memberId: string,
  groupInstanceId: string | null,
  isTransactional = false,
): number | null {
  if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (generationId < 0 && group.is('Empty')) return null;
  if (generationId >= 0 || memberId !== '' || groupInstanceId !== null) {
    const memberError = validateCurrentMember(group, memberId, groupInstanceId);
    if (memberError !== null) return memberError;
    return generationId !== group.generationId ? ErrorCode.ILLEGAL_GENERATION : null;
  }
  return isTransactional || group.is('Empty') ? null : ErrorCode.UNKNOWN_MEMBER_ID;
}
