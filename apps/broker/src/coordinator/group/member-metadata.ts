import type { JoinGroupProtocol, JoinGroupResult, SyncGroupResult } from './api-types.js';
import { GroupCoordinatorError } from './errors.js';
import type { TimerHandle } from './scheduler.js';

export type JoinCallback = (result: JoinGroupResult) => void;
export type SyncCallback = (result: SyncGroupResult) => void;

const EMPTY = Buffer.alloc(0);

/**
 * One member of a classic group: who it is, its timeouts, the protocols it supports (in preference
 * order, with its metadata for each), its current assignment, and the JoinGroup/SyncGroup request
 * held for it while a rebalance is in progress.
 */
export class MemberMetadata {
  assignment: Buffer = EMPTY;
  awaitingJoinCallback: JoinCallback | null = null;
  awaitingSyncCallback: SyncCallback | null = null;
  /** Joined in the current rebalance and not yet through it: expires on the new-member join timeout. */
  isNew = false;
  /** Set when a heartbeat (or equivalent) arrived since the session deadline was last scheduled. */
  heartbeatSatisfied = false;
  /** The member's pending session deadline. */
  heartbeatTimer: TimerHandle | null = null;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    readonly protocolType: string,
    public supportedProtocols: readonly JoinGroupProtocol[],
  ) {}

  get isStaticMember(): boolean {
    return this.groupInstanceId !== null;
  }

  get isAwaitingJoin(): boolean {
    return this.awaitingJoinCallback !== null;
  }

  get isAwaitingSync(): boolean {
    return this.awaitingSyncCallback !== null;
  }

  /**
   * Whether the member is alive as far as its session is concerned: a member parked in JoinGroup or
   * SyncGroup cannot heartbeat and counts as alive, except a new member, which must finish joining
   * within the new-member timeout.
   */
  get hasSatisfiedHeartbeat(): boolean {
    if (this.isNew) return this.heartbeatSatisfied;
    if (this.isAwaitingJoin || this.isAwaitingSync) return true;
    return this.heartbeatSatisfied;
  }

  /** The member's metadata for one protocol. */
  metadata(protocol: string): Buffer {
    const p = this.supportedProtocols.find((x) => x.name === protocol);
    if (!p) throw new GroupCoordinatorError('ILLEGAL_STATE', `member ${this.memberId} does not support protocol ${protocol}`);
    return p.metadata;
  }

  /** Same protocols, same order, same metadata bytes: a rejoin that changes nothing. */
  matches(protocols: readonly JoinGroupProtocol[]): boolean {
    if (protocols.length !== this.supportedProtocols.length) return false;
    return protocols.every((p, i) => {
      const mine = this.supportedProtocols[i]!;
      return p.name === mine.name && p.metadata.equals(mine.metadata);
    });
  }

  /** The member's most preferred protocol among the candidates. */
  vote(candidates: ReadonlySet<string>): string {
    const p = this.supportedProtocols.find((x) => candidates.has(x.name));
    if (!p) throw new GroupCoordinatorError('ILLEGAL_STATE', `member ${this.memberId} supports none of the candidate protocols`);
    return p.name;
  }
}
