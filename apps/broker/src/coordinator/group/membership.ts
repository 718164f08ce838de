import { ErrorCode } from '@tributary/protocol';
import type {
  HeartbeatRequest,
  HeartbeatResult,
  JoinGroupProtocol,
  JoinGroupRequest,
  JoinGroupResponseMember,
  JoinGroupResult,
  LeaveGroupRequest,
  LeaveGroupResult,
  SyncGroupRequest,
  SyncGroupResult,
} from './api-types.js';
import type { CoordinatorContext } from './coordinator-context.js';
import { GroupCoordinatorError } from './errors.js';
import { type GroupMetadata, type JoinPhase, joinError, syncError } from './group-metadata.js';
import { type JoinCallback, MemberMetadata, type SyncCallback } from './member-metadata.js';
import { validateCurrentMember, validateGroupStatus } from './validation.js';

/**
 * How long a new member may take to complete its first join: it has no member id yet, so it cannot
 * heartbeat, and a client that gave up would otherwise stay in the rebalance forever (Kafka's
 * GroupCoordinator.NewMemberJoinTimeoutMs).
 */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

const EMPTY = Buffer.alloc(0);

/** Protocols named twice keep their first occurrence: Kafka keys a member's protocols by name. */
function distinctProtocols(protocols: readonly JoinGroupProtocol[]): JoinGroupProtocol[] {
  const seen = new Set<string>();
  return protocols.filter((p) => !seen.has(p.name) && seen.add(p.name));
}

interface JoinArgs {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly JoinGroupProtocol[];
  readonly requireKnownMemberId: boolean;
  readonly supportSkippingAssignment: boolean;
}

/**
 * The classic group membership protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) and every
 * deadline it keeps, following Kafka's GroupCoordinator: held JoinGroup requests are answered when
 * the join phase completes (everyone rejoined, or the rebalance timeout passed), held SyncGroup
 * requests when the leader's assignment has been written, and members whose session lapses are
 * removed. All state changes happen synchronously; only writes to the log are awaited.
 */
export class GroupMembership {
  constructor(private readonly ctx: CoordinatorContext) {}

  // ---------------------------------------------------------------- JoinGroup

  joinGroup(req: JoinGroupRequest): Promise<JoinGroupResult> {
    return new Promise((resolve) => this.handleJoinGroup(req, resolve));
  }

  private handleJoinGroup(req: JoinGroupRequest, respond: JoinCallback): void {
    const statusError = validateGroupStatus(this.ctx, req.groupId, 'JoinGroup');
    if (statusError !== null) return respond(joinError(req.memberId, statusError));
    const { groupMinSessionTimeoutMs, groupMaxSessionTimeoutMs } = this.ctx.config;
    if (req.sessionTimeoutMs < groupMinSessionTimeoutMs || req.sessionTimeoutMs > groupMaxSessionTimeoutMs) {
      return respond(joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    const args: JoinArgs = {
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: req.clientId,
      clientHost: req.clientHost,
      // JoinGroup v0 has no rebalance timeout: the session timeout serves as one.
      rebalanceTimeoutMs: req.apiVersion === 0 ? req.sessionTimeoutMs : req.rebalanceTimeoutMs,
      sessionTimeoutMs: req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: distinctProtocols(req.protocols),
      // From v4 a dynamic member must first obtain its id (KIP-394); static members never need to.
      requireKnownMemberId: req.apiVersion >= 4 && req.groupInstanceId === null,
      supportSkippingAssignment: req.apiVersion >= 9,
    };

    const isUnknownMember = req.memberId === '';
    // A group is created only by a member without an id; a member id for a missing group is stale.
    const group = this.ctx.manager.getOrMaybeCreateGroup(req.groupId, isUnknownMember);
    if (!group) return respond(joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID));

    if (!this.acceptJoiningMember(group, req.memberId)) {
      group.remove(req.memberId);
      respond(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED));
    } else if (isUnknownMember) {
      this.doNewMemberJoinGroup(group, args, respond);
    } else {
      this.doCurrentMemberJoinGroup(group, args, respond);
    }
    if (group.is('PreparingRebalance')) this.tryCompleteJoin(group);
  }

  /** group.max.size: existing members are always accepted, new ones only while there is room. */
  private acceptJoiningMember(group: GroupMetadata, memberId: string): boolean {
    const max = this.ctx.config.groupMaxSize;
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance':
        // Counting members that already rejoined lets the last ones to rejoin be the ones shed
        // when the limit was lowered.
        return (group.has(memberId) && group.get(memberId).isAwaitingJoin) || group.numAwaitingJoin < max;
      case 'CompletingRebalance':
      case 'Stable':
        return group.has(memberId) || group.size < max;
    }
  }

  private doNewMemberJoinGroup(group: GroupMetadata, args: JoinArgs, respond: JoinCallback): void {
    if (group.is('Dead')) {
      // The group was just removed (deleted, or its partition moved): the client rediscovers the coordinator.
      return respond(joinError('', ErrorCode.COORDINATOR_NOT_AVAILABLE));
    }
    if (!group.supportsProtocols(args.protocolType, new Set(args.protocols.map((p) => p.name)))) {
      return respond(joinError('', ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    const newMemberId = group.generateMemberId(args.clientId, args.groupInstanceId);
    if (args.groupInstanceId !== null) {
      const oldMemberId = group.currentStaticMemberId(args.groupInstanceId);
      if (oldMemberId !== null) {
        this.updateStaticMemberAndRebalance(group, oldMemberId, newMemberId, args.groupInstanceId, args, respond);
      } else {
        this.addMemberAndRebalance(group, { ...args, memberId: newMemberId }, respond);
      }
    } else if (args.requireKnownMemberId) {
      // The member must come back with this id; until then it holds up the join phase, and it is
      // forgotten if it does not return within its session timeout.
      const expiry = this.ctx.scheduler.schedule(args.sessionTimeoutMs, () => this.onExpirePendingMember(group, newMemberId));
      group.addPendingMember(newMemberId, expiry);
      respond(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
    } else {
      this.addMemberAndRebalance(group, { ...args, memberId: newMemberId }, respond);
    }
  }

  private doCurrentMemberJoinGroup(group: GroupMetadata, args: JoinArgs, respond: JoinCallback): void {
    const { memberId } = args;
    if (group.is('Dead')) return respond(joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (!group.supportsProtocols(args.protocolType, new Set(args.protocols.map((p) => p.name)))) {
      return respond(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    if (group.isPendingMember(memberId)) {
      if (args.groupInstanceId !== null) {
        // Pending ids are only handed to dynamic members; Kafka treats this as a broken invariant.
        throw new GroupCoordinatorError('ILLEGAL_STATE', `static member ${args.groupInstanceId} joined with pending member id ${memberId}`);
      }
      return this.addMemberAndRebalance(group, args, respond);
    }
    const memberError = validateCurrentMember(group, memberId, args.groupInstanceId);
    if (memberError !== null) return respond(joinError(memberId, memberError));

    const member = group.get(memberId);
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, args, respond);
      case 'CompletingRebalance':
        if (member.matches(args.protocols)) {
          // Same metadata (it probably missed the JoinGroup response): the current generation again.
          return respond(this.joinResult(group, memberId, group.isLeader(memberId) ? group.currentMemberMetadata() : [], false));
        }
        return this.updateMemberAndRebalance(group, member, args, respond);
      case 'Stable':
        // The leader rejoining forces a rebalance (it may have seen metadata changes the members'
        // subscriptions do not show), as does a follower with changed metadata.
        if (group.isLeader(memberId) || !member.matches(args.protocols)) {
          return this.updateMemberAndRebalance(group, member, args, respond);
        }
        return respond(this.joinResult(group, memberId, [], false));
      case 'Empty':
      case 'Dead':
        // A member of an Empty group cannot exist; let the client reset and rejoin.
        return respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private joinResult(group: GroupMetadata, memberId: string, members: JoinGroupResponseMember[], skipAssignment: boolean, leader = group.leaderOrNull): JoinGroupResult {
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: leader ?? '',
      skipAssignment,
      memberId,
      members,
    };
  }

  private addMemberAndRebalance(group: GroupMetadata, args: JoinArgs, respond: JoinCallback): void {
    const member = new MemberMetadata(
      args.memberId,
      args.groupInstanceId,
      args.clientId,
      args.clientHost,
      args.rebalanceTimeoutMs,
      args.sessionTimeoutMs,
      args.protocolType,
      args.protocols,
    );
    member.isNew = true;
    // During a new group's initial delay, every arrival buys a little more waiting time.
    if (group.is('PreparingRebalance') && group.generationId === 0) group.newMemberAdded = true;
    group.add(member, respond);
    this.scheduleSessionExpiry(group, member, NEW_MEMBER_JOIN_TIMEOUT_MS);
    this.maybePrepareRebalance(group);
  }

  private updateMemberAndRebalance(group: GroupMetadata, member: MemberMetadata, args: JoinArgs, respond: JoinCallback): void {
    group.updateMember(member, args.protocols, args.rebalanceTimeoutMs, args.sessionTimeoutMs, respond);
    this.maybePrepareRebalance(group);
  }

  /**
   * A known static member came back without its member id (a restarted instance): it takes over the
   * member's place under a new id and the old id is fenced. In a Stable group whose selected
   * protocol stays the same this does not rebalance: the membership is persisted and the member
   * gets the current generation (and, on SyncGroup, its current assignment).
   */
  private updateStaticMemberAndRebalance(
    group: GroupMetadata,
    oldMemberId: string,
    newMemberId: string,
    groupInstanceId: string,
    args: JoinArgs,
    respond: JoinCallback,
  ): void {
    const currentLeader = group.leaderOrNull;
    const member = group.replaceStaticMember(groupInstanceId, oldMemberId, newMemberId);
    this.scheduleSessionExpiry(group, member, member.sessionTimeoutMs);
    const old = { protocols: member.supportedProtocols, rebalanceTimeoutMs: member.rebalanceTimeoutMs, sessionTimeoutMs: member.sessionTimeoutMs };
    group.updateMember(member, args.protocols, args.rebalanceTimeoutMs, args.sessionTimeoutMs, respond);

    switch (group.state) {
      case 'Stable': {
        if (group.protocolName !== group.selectProtocol()) {
          this.maybePrepareRebalance(group);
          return;
        }
        const assignment = new Map(group.allMembers().map((m) => [m.memberId, m.assignment] as const));
        this.ctx.manager
          .storeGroup(group, assignment)
          .then((error) => {
            // Another rejoin, a rebalance or an unload answered the held request meanwhile.
            if (member.awaitingJoinCallback !== respond || !group.is('Stable')) return;
            if (error !== ErrorCode.NONE) {
              // Not persisted: undo the replacement so the log and memory agree.
              group.updateMember(member, old.protocols, old.rebalanceTimeoutMs, old.sessionTimeoutMs, null);
              const restored = group.replaceStaticMember(groupInstanceId, newMemberId, oldMemberId);
              this.scheduleSessionExpiry(group, restored, restored.sessionTimeoutMs);
              respond({ ...this.joinResult(group, '', [], false, currentLeader), errorCode: error });
            } else if (args.supportSkippingAssignment) {
              // v9+: a static leader learns it leads, but must not run the assignor for a Stable group.
              const isLeader = group.isLeader(newMemberId);
              group.maybeInvokeJoinCallback(member, this.joinResult(group, newMemberId, isLeader ? group.currentMemberMetadata() : [], isLeader));
            } else {
              // Before v9 the old leader id is returned, so a restarted leader does not believe it
              // leads and compute an assignment that a Stable group would never distribute.
              group.maybeInvokeJoinCallback(member, this.joinResult(group, newMemberId, [], false, currentLeader));
            }
          })
          .catch((err: unknown) => this.ctx.reportError(err));
        return;
      }
      case 'CompletingRebalance':
        // The leader may already be assigning to the old member id: start over.
        this.prepareRebalance(group);
        return;
      case 'PreparingRebalance':
        return;
      case 'Empty':
      case 'Dead':
        throw new GroupCoordinatorError('ILLEGAL_STATE', `static member ${groupInstanceId} rejoined group ${group.groupId} in state ${group.state}`);
    }
  }

  // ---------------------------------------------------------------- rebalance phases

  private maybePrepareRebalance(group: GroupMetadata): void {
    if (group.canRebalance) this.prepareRebalance(group);
  }

  /** Starts a join phase: members waiting in SyncGroup are told to rejoin, and the phase's deadline is set. */
  prepareRebalance(group: GroupMetadata): void {
    if (group.is('CompletingRebalance')) this.resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.removeSyncExpiration(group);
    const wasEmpty = group.is('Empty');
    group.transitionTo('PreparingRebalance');
    if (wasEmpty) {
      const delay = this.ctx.config.groupInitialRebalanceDelayMs;
      this.scheduleInitialJoin(group, delay, Math.max(group.rebalanceTimeoutMs - delay, 0));
    } else {
      this.scheduleJoin(group, group.rebalanceTimeoutMs);
      this.tryCompleteJoin(group);
    }
  }

  private setJoinPhase(group: GroupMetadata, initial: boolean, delayMs: number, onDue: () => void): void {
    group.joinPhase?.timer.cancel();
    const phase: JoinPhase = {
      initial,
      timer: this.ctx.scheduler.schedule(delayMs, () => {
        if (group.joinPhase !== phase) return;
        group.joinPhase = null;
        onDue();
      }),
    };
    group.joinPhase = phase;
  }

  /** Kafka's DelayedJoin: completes early once everyone has rejoined, else at the rebalance timeout. */
  private scheduleJoin(group: GroupMetadata, timeoutMs: number): void {
    this.setJoinPhase(group, false, timeoutMs, () => this.onCompleteJoin(group));
  }

  /**
   * Kafka's InitialDelayedJoin: a new group waits `delayMs`; if members kept arriving it waits again
   * (at most the configured delay, never beyond the rebalance timeout), so a starting application's
   * consumers form one generation instead of one per arrival.
   */
  private scheduleInitialJoin(group: GroupMetadata, delayMs: number, remainingMs: number): void {
    this.setJoinPhase(group, true, delayMs, () => {
      if (group.newMemberAdded && remainingMs !== 0) {
        group.newMemberAdded = false;
        const delay = Math.min(this.ctx.config.groupInitialRebalanceDelayMs, remainingMs);
        this.scheduleInitialJoin(group, delay, Math.max(remainingMs - delayMs, 0));
      } else {
        this.onCompleteJoin(group);
      }
    });
  }

  /** Completes a (non-initial) join phase as soon as every member has rejoined. */
  private tryCompleteJoin(group: GroupMetadata): void {
    const phase = group.joinPhase;
    if (!phase || phase.initial || !group.is('PreparingRebalance') || !group.hasAllMembersJoined) return;
    phase.timer.cancel();
    group.joinPhase = null;
    this.onCompleteJoin(group);
  }

  private onCompleteJoin(group: GroupMetadata): void {
    // Dynamic members that did not rejoin in time are gone; static members keep their place.
    for (const m of group.notYetRejoinedMembers()) {
      if (!m.isStaticMember) group.remove(m.memberId);
    }
    if (group.is('Dead')) return;
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // Nobody rejoined: wait another rebalance timeout, until sessions expire the silent members.
      this.scheduleJoin(group, group.rebalanceTimeoutMs);
      this.tryCompleteJoin(group);
      return;
    }
    group.initNextGeneration();
    if (group.is('Empty')) {
      // Persist the empty generation; a failure only means an older generation may reappear after a
      // reload, which is harmless without members (Kafka only logs it too).
      this.ctx.manager.storeGroup(group, new Map()).catch((err: unknown) => this.ctx.reportError(err));
      return;
    }
    for (const member of group.allMembers()) {
      const members = group.isLeader(member.memberId) ? group.currentMemberMetadata() : [];
      group.maybeInvokeJoinCallback(member, this.joinResult(group, member.memberId, members, false));
      this.scheduleSessionExpiry(group, member, member.sessionTimeoutMs);
      member.isNew = false;
      group.addPendingSyncMember(member.memberId);
    }
    this.schedulePendingSync(group);
  }

  /** Members must send SyncGroup within the rebalance timeout, or they are removed and the group rebalances. */
  private schedulePendingSync(group: GroupMetadata): void {
    group.syncTimer?.cancel();
    const generationId = group.generationId;
    group.syncTimer = this.ctx.scheduler.schedule(group.rebalanceTimeoutMs, () => this.onExpirePendingSync(group, generationId));
  }

  private removeSyncExpiration(group: GroupMetadata): void {
    group.clearPendingSyncMembers();
    group.syncTimer?.cancel();
    group.syncTimer = null;
  }

  private removePendingSyncMember(group: GroupMetadata, memberId: string): void {
    group.removePendingSyncMember(memberId);
    if (group.hasReceivedSyncFromAllMembers) {
      group.syncTimer?.cancel();
      group.syncTimer = null;
    }
  }

  private onExpirePendingSync(group: GroupMetadata, generationId: number): void {
    group.syncTimer = null;
    if (generationId !== group.generationId) return;
    if (!group.is('CompletingRebalance') && !group.is('Stable')) return;
    if (group.hasReceivedSyncFromAllMembers) return;
    for (const memberId of group.allPendingSyncMembers()) group.remove(memberId);
    this.prepareRebalance(group);
  }

  // ---------------------------------------------------------------- SyncGroup

  syncGroup(req: SyncGroupRequest): Promise<SyncGroupResult> {
    return new Promise((resolve) => this.handleSyncGroup(req, resolve));
  }

  private handleSyncGroup(req: SyncGroupRequest, respond: SyncCallback): void {
    const statusError = validateGroupStatus(this.ctx, req.groupId, 'SyncGroup');
    if (statusError === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) {
      // The rebalance state was lost with the load: the member must rejoin, and older clients do
      // not expect COORDINATOR_LOAD_IN_PROGRESS here.
      return respond(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    }
    if (statusError !== null) return respond(syncError(statusError));
    const group = this.ctx.manager.getGroup(req.groupId);
    if (!group) return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));

    const validationError = this.validateSyncGroup(group, req);
    if (validationError !== null) return respond(syncError(validationError));

    switch (group.state) {
      case 'Empty':
        return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      case 'PreparingRebalance':
        return respond(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case 'CompletingRebalance': {
        group.get(req.memberId).awaitingSyncCallback = respond;
        this.removePendingSyncMember(group, req.memberId);
        if (group.isLeader(req.memberId)) this.completeAssignment(group, req);
        return;
      }
      case 'Stable': {
        this.removePendingSyncMember(group, req.memberId);
        const member = group.get(req.memberId);
        respond({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
        this.scheduleSessionExpiry(group, member, member.sessionTimeoutMs);
        return;
      }
      case 'Dead':
        throw new GroupCoordinatorError('ILLEGAL_STATE', `SyncGroup reached Dead group ${group.groupId}`);
    }
  }

  private validateSyncGroup(group: GroupMetadata, req: SyncGroupRequest): number | null {
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const memberError = validateCurrentMember(group, req.memberId, req.groupInstanceId);
    if (memberError !== null) return memberError;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (req.protocolType !== null && group.protocolType !== req.protocolType) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    if (req.protocolName !== null && group.protocolName !== req.protocolName) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    return null;
  }

  /**
   * The leader's assignment arrived: persist it (members the leader left out get an empty one), then
   * hand every waiting member its part and make the group Stable. If the group moved on while the
   * write was in flight, the outcome is dropped.
   */
  private completeAssignment(group: GroupMetadata, req: SyncGroupRequest): void {
    const assignment = new Map<string, Buffer>();
    for (const a of req.assignments) assignment.set(a.memberId, a.assignment);
    for (const id of group.allMemberIds()) if (!assignment.has(id)) assignment.set(id, EMPTY);
    const generationId = group.generationId;
    this.ctx.manager
      .storeGroup(group, assignment)
      .then((error) => {
        if (!group.is('CompletingRebalance') || generationId !== group.generationId) return;
        if (error !== ErrorCode.NONE) {
          this.resetAndPropagateAssignmentError(group, error);
          this.maybePrepareRebalance(group);
        } else {
          for (const m of group.allMembers()) m.assignment = assignment.get(m.memberId) ?? EMPTY;
          this.propagateAssignment(group, ErrorCode.NONE);
          group.transitionTo('Stable');
        }
      })
      .catch((err: unknown) => this.ctx.reportError(err));
  }

  private resetAndPropagateAssignmentError(group: GroupMetadata, error: number): void {
    for (const m of group.allMembers()) m.assignment = EMPTY;
    this.propagateAssignment(group, error);
  }

  private propagateAssignment(group: GroupMetadata, error: number): void {
    const ok = error === ErrorCode.NONE;
    for (const member of group.allMembers()) {
      const answered = group.maybeInvokeSyncCallback(member, {
        errorCode: error,
        protocolType: ok ? group.protocolType : null,
        protocolName: ok ? group.protocolName : null,
        assignment: member.assignment,
      });
      // A member that waited in SyncGroup could not heartbeat: its session starts again now.
      if (answered) this.scheduleSessionExpiry(group, member, member.sessionTimeoutMs);
    }
  }

  // ---------------------------------------------------------------- Heartbeat and sessions

  heartbeat(req: HeartbeatRequest): HeartbeatResult {
    const statusError = validateGroupStatus(this.ctx, req.groupId, 'Heartbeat');
    // While loading, the coordinator answers blindly: the member learns about the group afterwards.
    if (statusError === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return { errorCode: ErrorCode.NONE };
    if (statusError !== null) return { errorCode: statusError };
    const group = this.ctx.manager.getGroup(req.groupId);
    if (!group) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
    if (group.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    const memberError = validateCurrentMember(group, req.memberId, req.groupInstanceId);
    if (memberError !== null) return { errorCode: memberError };
    if (req.generationId !== group.generationId) return { errorCode: ErrorCode.ILLEGAL_GENERATION };

    switch (group.state) {
      case 'Empty':
        return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
      case 'CompletingRebalance':
      case 'Stable': {
        // In CompletingRebalance too: members may heartbeat between JoinGroup and SyncGroup.
        this.heartbeatReceived(group, group.get(req.memberId));
        return { errorCode: ErrorCode.NONE };
      }
      case 'PreparingRebalance':
        this.heartbeatReceived(group, group.get(req.memberId));
        return { errorCode: ErrorCode.REBALANCE_IN_PROGRESS };
      case 'Dead':
        throw new GroupCoordinatorError('ILLEGAL_STATE', `Heartbeat reached Dead group ${group.groupId}`);
    }
  }

  /** A sign of life from the member (heartbeat, offset commit): its session deadline starts over. */
  heartbeatReceived(group: GroupMetadata, member: MemberMetadata): void {
    this.scheduleSessionExpiry(group, member, member.sessionTimeoutMs);
  }

  private scheduleSessionExpiry(group: GroupMetadata, member: MemberMetadata, timeoutMs: number): void {
    member.heartbeatTimer?.cancel();
    member.heartbeatSatisfied = false;
    member.heartbeatTimer = this.ctx.scheduler.schedule(timeoutMs, () => this.onExpireHeartbeat(group, member));
  }

  private onExpireHeartbeat(group: GroupMetadata, member: MemberMetadata): void {
    member.heartbeatTimer = null;
    if (group.is('Dead')) return;
    // The member may have been removed or replaced (a static member's new id) since.
    if (!group.has(member.memberId) || group.get(member.memberId) !== member) return;
    if (!member.hasSatisfiedHeartbeat) this.removeMemberAndUpdateGroup(group, member);
  }

  private onExpirePendingMember(group: GroupMetadata, memberId: string): void {
    if (group.is('Dead') || !group.isPendingMember(memberId)) return;
    this.removePendingMemberAndUpdateGroup(group, memberId);
  }

  private removePendingMemberAndUpdateGroup(group: GroupMetadata, memberId: string): void {
    group.remove(memberId);
    if (group.is('PreparingRebalance')) this.tryCompleteJoin(group);
  }

  /**
   * Removes a member (left, or its session expired). Its held JoinGroup is answered with
   * UNKNOWN_MEMBER_ID so a still-running client rejoins; a held SyncGroup likewise (Kafka leaves that
   * one unanswered, which would stall the connection). The group rebalances without it.
   */
  private removeMemberAndUpdateGroup(group: GroupMetadata, member: MemberMetadata): void {
    group.maybeInvokeJoinCallback(member, joinError('', ErrorCode.UNKNOWN_MEMBER_ID));
    group.maybeInvokeSyncCallback(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.maybePrepareRebalance(group);
        return;
      case 'PreparingRebalance':
        this.tryCompleteJoin(group);
        return;
      case 'Empty':
      case 'Dead':
        return;
    }
  }

  // ---------------------------------------------------------------- LeaveGroup

  leaveGroup(req: LeaveGroupRequest): LeaveGroupResult {
    const statusError = validateGroupStatus(this.ctx, req.groupId, 'LeaveGroup');
    if (statusError !== null) return { errorCode: statusError, members: [] };
    const answer = (m: LeaveGroupRequest['members'][number], errorCode: number) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      errorCode,
    });
    const group = this.ctx.manager.getGroup(req.groupId);
    if (!group) return { errorCode: ErrorCode.NONE, members: req.members.map((m) => answer(m, ErrorCode.UNKNOWN_MEMBER_ID)) };
    if (group.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };

    const members = req.members.map((m) => {
      if (m.memberId === '') {
        // Administrative removal of a static member by its instance id alone.
        const current = m.groupInstanceId !== null ? group.currentStaticMemberId(m.groupInstanceId) : null;
        if (current === null) return answer(m, ErrorCode.UNKNOWN_MEMBER_ID);
        this.removeMemberAndUpdateGroup(group, group.get(current));
        return answer(m, ErrorCode.NONE);
      }
      if (group.isPendingMember(m.memberId)) {
        this.removePendingMemberAndUpdateGroup(group, m.memberId);
        return answer(m, ErrorCode.NONE);
      }
      const memberError = validateCurrentMember(group, m.memberId, m.groupInstanceId);
      if (memberError !== null) return answer(m, memberError);
      this.removeMemberAndUpdateGroup(group, group.get(m.memberId));
      return answer(m, ErrorCode.NONE);
    });
    return { errorCode: ErrorCode.NONE, members };
  }

  // ---------------------------------------------------------------- loading and unloading

  /** A group read back from the log: its members' sessions start now; an oversized group rebalances. */
  onGroupLoaded(group: GroupMetadata): void {
    if (group.size > this.ctx.config.groupMaxSize) this.prepareRebalance(group);
    for (const member of group.allMembers()) this.scheduleSessionExpiry(group, member, member.sessionTimeoutMs);
  }

  /** The group's partition is no longer ours: everything waiting is told NOT_COORDINATOR and every timer stops. */
  onGroupUnloaded(group: GroupMetadata): void {
    group.transitionTo('Dead');
    group.joinPhase?.timer.cancel();
    group.joinPhase = null;
    group.syncTimer?.cancel();
    group.syncTimer = null;
    for (const member of group.allMembers()) {
      group.maybeInvokeJoinCallback(member, joinError(member.memberId, ErrorCode.NOT_COORDINATOR));
      group.maybeInvokeSyncCallback(member, syncError(ErrorCode.NOT_COORDINATOR));
      member.heartbeatTimer?.cancel();
      member.heartbeatTimer = null;
    }
    group.clearPendingMembers();
  }
}
