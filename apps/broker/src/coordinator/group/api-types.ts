/**
 * Plain request and result objects of the coordinator's API. Field names follow the Kafka message
 * fields (camel-cased, as the generated protocol code names them) so a handler copies fields across;
 * what a handler must still do per version is noted where it applies. Every `errorCode` is a Kafka
 * error code (ErrorCode from @tributary/protocol).
 */

export interface JoinGroupProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

export interface JoinGroupRequest {
  /** The JoinGroup version the client used: v4+ requires a known member id, v9+ may skip assignment, v0 has no rebalance timeout. */
  readonly apiVersion: number;
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  /** Ignored for v0 (the session timeout is used, as Kafka does). */
  readonly rebalanceTimeoutMs: number;
  /** "" for a member joining for the first time. */
  readonly memberId: string;
  /** group.instance.id of a static member (v5+), else null. */
  readonly groupInstanceId: string | null;
  readonly protocolType: string;
  /** In the member's order of preference. */
  readonly protocols: readonly JoinGroupProtocol[];
  readonly reason?: string | null;
  /** From the request header and the connection. */
  readonly clientId: string;
  readonly clientHost: string;
}

export interface JoinGroupResponseMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly metadata: Buffer;
}

export interface JoinGroupResult {
  readonly errorCode: number;
  /** -1 on error. */
  readonly generationId: number;
  /** Null on error; versions before 7 have no protocolType, and before 7 the handler sends a null protocolName as "". */
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  /** "" on error. */
  readonly leader: string;
  readonly skipAssignment: boolean;
  readonly memberId: string;
  /** The members' metadata for the leader; empty for everyone else. */
  readonly members: readonly JoinGroupResponseMember[];
}

export interface SyncGroupRequest {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** v5+, else null (not checked). */
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  /** The leader's assignment; followers send none. */
  readonly assignments: ReadonlyArray<{ readonly memberId: string; readonly assignment: Buffer }>;
}

export interface SyncGroupResult {
  readonly errorCode: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignment: Buffer;
}

export interface HeartbeatRequest {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface HeartbeatResult {
  readonly errorCode: number;
}

export interface LeaveGroupMember {
  /** "" to remove a static member by groupInstanceId alone (the admin client does this). */
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly reason?: string | null;
}

/** v0-2 carry one member id: the handler passes it as a single member with groupInstanceId null. */
export interface LeaveGroupRequest {
  readonly groupId: string;
  readonly members: readonly LeaveGroupMember[];
}

/**
 * For v0-2 the handler answers with the top-level errorCode, or (when that is NONE) the single
 * member's errorCode, as Kafka's LeaveGroupResponse does.
 */
export interface LeaveGroupResult {
  readonly errorCode: number;
  readonly members: ReadonlyArray<{ readonly memberId: string; readonly groupInstanceId: string | null; readonly errorCode: number }>;
}

export interface DescribedGroupMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  /** Empty unless the group is Stable. */
  readonly memberMetadata: Buffer;
  readonly memberAssignment: Buffer;
}

export interface DescribedGroup {
  readonly errorCode: number;
  readonly groupId: string;
  /** "Empty", "PreparingRebalance", "CompletingRebalance", "Stable" or "Dead" ("" on error). */
  readonly groupState: string;
  readonly protocolType: string;
  /** The selected protocol while Stable, else "". */
  readonly protocolData: string;
  readonly members: readonly DescribedGroupMember[];
  /** Kafka's "not requested" value, -2147483648; the handler fills real ACL operations in when asked. */
  readonly authorizedOperations: number;
}

export interface ListGroupsRequest {
  /** v4+: case-insensitive state names; empty = all. */
  readonly statesFilter?: readonly string[];
  /** v5+: group types ("classic", "consumer", ...); empty = all. Every group here is "classic". */
  readonly typesFilter?: readonly string[];
}

export interface ListGroupsResult {
  readonly errorCode: number;
  readonly groups: ReadonlyArray<{ readonly groupId: string; readonly protocolType: string; readonly groupState: string; readonly groupType: string }>;
}

export interface DeleteGroupsResult {
  readonly results: ReadonlyArray<{ readonly groupId: string; readonly errorCode: number }>;
}

export interface OffsetCommitRequestPartition {
  readonly partitionIndex: number;
  readonly committedOffset: bigint;
  /** v6+, -1 = none. */
  readonly committedLeaderEpoch?: number;
  /** v1 only; -1 or absent = the broker's time. */
  readonly commitTimestamp?: bigint;
  /** null is stored as "". */
  readonly committedMetadata: string | null;
}

export interface OffsetCommitRequest {
  readonly groupId: string;
  /** -1 (with memberId "") for a commit from outside group management; v0 has neither field. */
  readonly generationIdOrMemberEpoch: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** v2-4; -1 or absent = the broker's offsets.retention.minutes. */
  readonly retentionTimeMs?: bigint;
  readonly topics: ReadonlyArray<{ readonly name: string; readonly partitions: readonly OffsetCommitRequestPartition[] }>;
}

export interface OffsetCommitResult {
  readonly topics: ReadonlyArray<{
    readonly name: string;
    readonly partitions: ReadonlyArray<{ readonly partitionIndex: number; readonly errorCode: number }>;
  }>;
}

export interface TxnOffsetCommitRequestPartition {
  readonly partitionIndex: number;
  readonly committedOffset: bigint;
  /** v2+, -1 = none. */
  readonly committedLeaderEpoch?: number;
  /** null is stored as "". */
  readonly committedMetadata: string | null;
}

/** TxnOffsetCommit: offsets committed as part of a producer's transaction. */
export interface TxnOffsetCommitRequest {
  readonly groupId: string;
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  /** v3+; -1 (with memberId "" and no instance id) below, which skips the member checks. */
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly topics: ReadonlyArray<{ readonly name: string; readonly partitions: readonly TxnOffsetCommitRequestPartition[] }>;
}

/** Same shape as OffsetCommit's answer: one error code per partition. */
export type TxnOffsetCommitResult = OffsetCommitResult;

/** One group of an OffsetFetch (v0-7 carry exactly one; v8+ several). topics null = every committed partition. */
export interface OffsetFetchRequestGroup {
  readonly groupId: string;
  readonly topics: ReadonlyArray<{ readonly name: string; readonly partitionIndexes: readonly number[] }> | null;
}

export interface OffsetFetchRequest {
  readonly groups: readonly OffsetFetchRequestGroup[];
  /** v7+: report UNSTABLE_OFFSET_COMMIT for partitions with a commit still being written. */
  readonly requireStable?: boolean;
}

export interface OffsetFetchPartitionResult {
  readonly partitionIndex: number;
  /** -1 when nothing is committed. */
  readonly committedOffset: bigint;
  readonly committedLeaderEpoch: number;
  readonly metadata: string | null;
  readonly errorCode: number;
}

export interface OffsetFetchGroupResult {
  readonly groupId: string;
  readonly errorCode: number;
  readonly topics: ReadonlyArray<{ readonly name: string; readonly partitions: readonly OffsetFetchPartitionResult[] }>;
}

export interface OffsetFetchResult {
  readonly groups: readonly OffsetFetchGroupResult[];
}

export interface OffsetDeleteRequest {
  readonly groupId: string;
  readonly topics: ReadonlyArray<{ readonly name: string; readonly partitions: ReadonlyArray<{ readonly partitionIndex: number }> }>;
}

/** With a group-level error the topic list is empty, as in Kafka. */
export interface OffsetDeleteResult {
  readonly errorCode: number;
  readonly topics: ReadonlyArray<{
    readonly name: string;
    readonly partitions: ReadonlyArray<{ readonly partitionIndex: number; readonly errorCode: number }>;
  }>;
}
