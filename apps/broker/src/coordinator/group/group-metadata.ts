import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@tributary/protocol';
import type { JoinGroupProtocol, JoinGroupResponseMember, JoinGroupResult, SyncGroupResult } from './api-types.js';
import { CONSUMER_PROTOCOL_TYPE, decodeSubscribedTopics } from './consumer-protocol.js';
import { GroupCoordinatorError } from './errors.js';
import { GroupOffsets } from './group-offsets.js';
import { type GroupState, assertValidTransition, isValidTransition } from './group-state.js';
import type { JoinCallback, MemberMetadata, SyncCallback } from './member-metadata.js';
import type { TimerHandle } from './scheduler.js';

/** The result a member gets when its JoinGroup fails: no generation, no protocol, no leader. */
export function joinError(memberId: string, errorCode: number): JoinGroupResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] };
}

export function syncError(errorCode: number): SyncGroupResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
}

/**
 * A rebalance's join phase in progress. `initial` marks Kafka's InitialDelayedJoin: a new group
 * waits group.initial.rebalance.delay.ms for more members, extending the wait (never past the
 * rebalance timeout) while members keep arriving; it completes only by its timer.
 */
export interface JoinPhase {
  readonly timer: TimerHandle;
  readonly initial: boolean;
}

/**
 * A classic group's in-memory state (Kafka's GroupMetadata): members, the static-member map,
 * members that still have to rejoin with the id they were given (pending), protocol votes, the
 * generation and leader, members the coordinator still expects a SyncGroup from, and the group's
 * committed offsets. The coordinator drives it; this class only keeps it consistent.
 */
export class GroupMetadata {
  private _state: GroupState;
  /** When the group entered its current state (null when loaded from a record that did not say). */
  currentStateTimestamp: number | null;
  protocolType: string | null = null;
  protocolName: string | null = null;
  generationId = 0;
  private leaderId: string | null = null;
  private readonly members = new Map<string, MemberMetadata>();
  /** group.instance.id -> current member id. */
  private readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, each with its expiry timer. */
  private readonly pendingMembers = new Map<string, TimerHandle | null>();
  /** How many members support each protocol. */
  private readonly protocolSupport = new Map<string, number>();
  private readonly pendingSyncMembers = new Set<string>();
  /** Topics the members of a "consumer" group subscribe to; null when not known. */
  private subscribedTopics: ReadonlySet<string> | null = null;
  /** A member joined during the initial delayed join: wait a little longer. */
  newMemberAdded = false;
  joinPhase: JoinPhase | null = null;
  syncTimer: TimerHandle | null = null;
  readonly offsets = new GroupOffsets();

  constructor(
    readonly groupId: string,
    initialState: GroupState,
    private readonly clock: () => number,
  ) {
    this._state = initialState;
    this.currentStateTimestamp = clock();
  }

  get state(): GroupState {
    return this._state;
  }

  is(state: GroupState): boolean {
    return this._state === state;
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  get(memberId: string): MemberMetadata {
    const m = this.members.get(memberId);
    if (!m) throw new GroupCoordinatorError('ILLEGAL_STATE', `member ${memberId} is not in group ${this.groupId}`);
    return m;
  }

  get size(): number {
    return this.members.size;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  get leaderOrNull(): string | null {
    return this.leaderId;
  }

  get isConsumerGroup(): boolean {
    return this.protocolType === CONSUMER_PROTOCOL_TYPE;
  }

  /** Adds a member (holding its JoinGroup callback, if any); the first member fixes the protocol type and leads. */
  add(member: MemberMetadata, callback: JoinCallback | null = null): void {
    if (member.groupInstanceId !== null) {
      if (this.staticMembers.has(member.groupInstanceId)) {
        throw new GroupCoordinatorError('ILLEGAL_STATE', `static member ${member.groupInstanceId} is already in group ${this.groupId}`);
      }
      this.staticMembers.set(member.groupInstanceId, member.memberId);
    }
    if (this.members.size === 0) this.protocolType = member.protocolType;
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    this.countProtocols(member.supportedProtocols, 1);
    member.awaitingJoinCallback = callback;
    this.removePendingMember(member.memberId);
  }

  /** Removes a member; if it led, the next member (in join order) leads. */
  remove(memberId: string): void {
    const member = this.members.get(memberId);
    if (member) {
      this.members.delete(memberId);
      this.countProtocols(member.supportedProtocols, -1);
      if (member.groupInstanceId !== null) this.staticMembers.delete(member.groupInstanceId);
      member.heartbeatTimer?.cancel();
      member.heartbeatTimer = null;
    }
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
    this.removePendingMember(memberId);
    this.pendingSyncMembers.delete(memberId);
  }

  /** Loading from the log: the leader the record names, if it is one of the loaded members. */
  restoreLeader(leaderId: string | null): void {
    this.leaderId = leaderId !== null && this.members.has(leaderId) ? leaderId : (this.members.keys().next().value ?? null);
  }

  /**
   * Before completing a join phase: keep the leader if it rejoined, else hand leadership to any
   * member that did. False when there is no leader or nobody rejoined.
   */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    if (this.get(this.leaderId).isAwaitingJoin) return true;
    for (const [id, m] of this.members) {
      if (m.isAwaitingJoin) {
        this.leaderId = id;
        return true;
      }
    }
    return false;
  }

  /**
   * A static member rejoined with a new member id: the same member record continues under the new
   * id, and whoever still waits under the old id is told it has been fenced.
   */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): MemberMetadata {
    const member = this.members.get(oldMemberId);
    if (!member) throw new GroupCoordinatorError('ILLEGAL_STATE', `cannot replace unknown member ${oldMemberId}`);
    this.maybeInvokeJoinCallback(member, joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
    this.maybeInvokeSyncCallback(member, syncError(ErrorCode.FENCED_INSTANCE_ID));
    member.memberId = newMemberId;
    // Rebuilt so the member keeps its place in join order (leader succession, listings).
    const entries = [...this.members].map(([id, m]): [string, MemberMetadata] => (id === oldMemberId ? [newMemberId, m] : [id, m]));
    this.members.clear();
    for (const [id, m] of entries) this.members.set(id, m);
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId;
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    this.staticMembers.set(groupInstanceId, newMemberId);
    return member;
  }

  isPendingMember(memberId: string): boolean {
    return this.pendingMembers.has(memberId);
  }

  addPendingMember(memberId: string, expiry: TimerHandle | null): void {
    if (this.members.has(memberId)) {
      throw new GroupCoordinatorError('ILLEGAL_STATE', `pending member ${memberId} is already a member of ${this.groupId}`);
    }
    this.pendingMembers.set(memberId, expiry);
  }

  /** Drops a pending member id (and its expiry timer); true if it was pending. */
  removePendingMember(memberId: string): boolean {
    if (!this.pendingMembers.has(memberId)) return false;
    this.pendingMembers.get(memberId)?.cancel();
    this.pendingMembers.delete(memberId);
    return true;
  }

  /** Forgets every pending member id (the group is being unloaded). */
  clearPendingMembers(): void {
    for (const expiry of this.pendingMembers.values()) expiry?.cancel();
    this.pendingMembers.clear();
  }

  get numPending(): number {
    return this.pendingMembers.size;
  }

  addPendingSyncMember(memberId: string): void {
    this.get(memberId);
    this.pendingSyncMembers.add(memberId);
  }

  removePendingSyncMember(memberId: string): void {
    this.pendingSyncMembers.delete(memberId);
  }

  get hasReceivedSyncFromAllMembers(): boolean {
    return this.pendingSyncMembers.size === 0;
  }

  allPendingSyncMembers(): string[] {
    return [...this.pendingSyncMembers];
  }

  clearPendingSyncMembers(): void {
    this.pendingSyncMembers.clear();
  }

  currentStaticMemberId(groupInstanceId: string): string | null {
    return this.staticMembers.get(groupInstanceId) ?? null;
  }

  notYetRejoinedMembers(): MemberMetadata[] {
    return [...this.members.values()].filter((m) => !m.isAwaitingJoin);
  }

  get numAwaitingJoin(): number {
    let n = 0;
    for (const m of this.members.values()) if (m.isAwaitingJoin) n++;
    return n;
  }

  /** Every member has sent its JoinGroup and no member id handed out is still outstanding. */
  get hasAllMembersJoined(): boolean {
    return this.numAwaitingJoin === this.members.size && this.pendingMembers.size === 0;
  }

  allMemberIds(): string[] {
    return [...this.members.keys()];
  }

  allMembers(): MemberMetadata[] {
    return [...this.members.values()];
  }

  /** The longest rebalance timeout among the members: how long a join phase may wait. */
  get rebalanceTimeoutMs(): number {
    let t = 0;
    for (const m of this.members.values()) t = Math.max(t, m.rebalanceTimeoutMs);
    return t;
  }

  /** Kafka's member id format: client id (or group.instance.id for a static member), a dash, a random UUID. */
  generateMemberId(clientId: string, groupInstanceId: string | null): string {
    return `${groupInstanceId ?? clientId}-${randomUUID()}`;
  }

  get canRebalance(): boolean {
    return isValidTransition(this._state, 'PreparingRebalance');
  }

  transitionTo(state: GroupState): void {
    assertValidTransition(this.groupId, this._state, state);
    this._state = state;
    this.currentStateTimestamp = this.clock();
  }

  /**
   * Brings a group that was marked Dead for a deletion back to Empty when writing the deletion
   * failed, so the group is not lost from memory while its records are still in the log.
   */
  reviveAfterFailedDeletion(): void {
    if (this._state !== 'Dead' || this.members.size > 0) {
      throw new GroupCoordinatorError('ILLEGAL_STATE', `group ${this.groupId} cannot be revived from ${this._state}`);
    }
    this._state = 'Empty';
  }

  /**
   * Kafka's selectProtocol: among the protocols every member supports, each member votes for its
   * most preferred one and the most votes win. Ties go to the protocol that got its first vote
   * earliest in join order, which keeps the choice deterministic.
   */
  selectProtocol(): string {
    if (this.members.size === 0) throw new GroupCoordinatorError('ILLEGAL_STATE', `cannot select a protocol for empty group ${this.groupId}`);
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const p = m.vote(candidates);
      votes.set(p, (votes.get(p) ?? 0) + 1);
    }
    let best = '';
    let bestVotes = -1;
    for (const [p, n] of votes) {
      if (n > bestVotes) {
        best = p;
        bestVotes = n;
      }
    }
    return best;
  }

  private candidateProtocols(): Set<string> {
    const all = new Set<string>();
    for (const [p, n] of this.protocolSupport) if (n === this.members.size) all.add(p);
    return all;
  }

  /**
   * Whether a member with this protocol type and these protocols may join: an Empty group accepts
   * any non-empty type and protocol list; otherwise the type must match and at least one protocol
   * must be supported by every current member.
   */
  supportsProtocols(protocolType: string, protocols: ReadonlySet<string>): boolean {
    if (this.is('Empty')) return protocolType !== '' && protocols.size > 0;
    if (this.protocolType !== protocolType) return false;
    for (const p of protocols) if ((this.protocolSupport.get(p) ?? 0) === this.members.size) return true;
    return false;
  }

  /**
   * True if the group subscribes to the topic, and also when it cannot tell (not a consumer group,
   * or undecodable metadata): a caller that must not delete subscribed state stays safe.
   */
  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics === null || this.subscribedTopics.has(topic);
  }

  get knownSubscribedTopics(): ReadonlySet<string> | null {
    return this.subscribedTopics;
  }

  /** Recomputed on every new generation and on load, as Kafka does. */
  computeSubscribedTopics(): ReadonlySet<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE) return null;
    if (this.members.size === 0) return new Set();
    if (this.protocolName === null) return null;
    try {
      const topics = new Set<string>();
      for (const m of this.members.values()) {
        for (const t of decodeSubscribedTopics(m.metadata(this.protocolName))) topics.add(t);
      }
      return topics;
    } catch {
      // Metadata that does not follow the consumer protocol: the topics are unknown.
      return null;
    }
  }

  refreshSubscribedTopics(): void {
    this.subscribedTopics = this.computeSubscribedTopics();
  }

  /** A member rejoined: new protocols and timeouts, and its JoinGroup held (or released, for null). */
  updateMember(
    member: MemberMetadata,
    protocols: readonly JoinGroupProtocol[],
    rebalanceTimeoutMs: number,
    sessionTimeoutMs: number,
    callback: JoinCallback | null,
  ): void {
    this.countProtocols(member.supportedProtocols, -1);
    member.supportedProtocols = protocols;
    this.countProtocols(protocols, 1);
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    member.awaitingJoinCallback = callback;
  }

  /** Answers the member's held JoinGroup, if there is one. */
  maybeInvokeJoinCallback(member: MemberMetadata, result: JoinGroupResult): boolean {
    const cb = member.awaitingJoinCallback;
    if (!cb) return false;
    member.awaitingJoinCallback = null;
    cb(result);
    return true;
  }

  /** Answers the member's held SyncGroup, if there is one. */
  maybeInvokeSyncCallback(member: MemberMetadata, result: SyncGroupResult): boolean {
    const cb: SyncCallback | null = member.awaitingSyncCallback;
    if (!cb) return false;
    member.awaitingSyncCallback = null;
    cb(result);
    return true;
  }

  /** Ends a join phase: next generation, protocol chosen (or none when the group emptied). */
  initNextGeneration(): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.refreshSubscribedTopics();
      this.transitionTo('CompletingRebalance');
    } else {
      this.protocolName = null;
      this.refreshSubscribedTopics();
      this.transitionTo('Empty');
    }
    this.clearPendingSyncMembers();
  }

  /** What the leader receives in its JoinGroup response: every member's metadata for the selected protocol. */
  currentMemberMetadata(): JoinGroupResponseMember[] {
    if (this.is('Dead') || this.is('PreparingRebalance') || this.protocolName === null) {
      throw new GroupCoordinatorError('ILLEGAL_STATE', `cannot list member metadata of group ${this.groupId} in state ${this._state}`);
    }
    const protocol = this.protocolName;
    return this.allMembers().map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata(protocol) }));
  }

  private countProtocols(protocols: readonly JoinGroupProtocol[], delta: number): void {
    for (const p of protocols) {
      const n = (this.protocolSupport.get(p.name) ?? 0) + delta;
      if (n === 0) this.protocolSupport.delete(p.name);
      else this.protocolSupport.set(p.name, n);
    }
  }
}
