import { ErrorCode } from '@tributary/protocol';
import type { Log, LogManager } from '@tributary/storage';
import { ReplicaError } from './partition-error.js';

/** What Metadata reports about one partition's leadership. */
export interface PartitionLeadership {
  /** Node id of the leader, -1 when there is none (no live replica, or its log is offline). */
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** Replicas whose log is offline (a failed log dir). */
  readonly offlineReplicas: readonly number[];
}

/**
 * One topic-partition as this broker sees it (Kafka's cluster.Partition): its replica assignment,
 * who leads it and in which epoch, the in-sync replicas, and this node's log of it.
 *
 * Single node for now: a partition whose replicas include this node is led by it, in epoch 0, with
 * this node as the whole ISR. Replication will make leaderId, leaderEpoch and isr change with
 * leadership decisions from the controller; callers already go through isLeader and the epoch.
 */
export class Partition {
  readonly leaderId: number;
  /** Stays 0 on one node: leadership never moves, so the epoch never changes (even across restarts). */
  readonly leaderEpoch = 0;
  readonly isr: readonly number[];
  /**
   * Bytes appended to this partition since the broker started: a monotonic counter that waiting
   * fetches compare against a snapshot to learn whether new data arrived while they were reading.
   */
  bytesAppended = 0;

  constructor(
    readonly topic: string,
    readonly index: number,
    readonly topicId: Buffer,
    readonly replicas: readonly number[],
    private readonly localNodeId: number,
    private readonly logManager: LogManager,
  ) {
    const hosted = replicas.includes(localNodeId);
    this.leaderId = hosted ? localNodeId : -1;
    this.isr = hosted ? [localNodeId] : [];
  }

  get isLeader(): boolean {
    return this.leaderId === this.localNodeId;
  }

  /** This node's log of the partition if it is open (undefined before it is created). */
  get localLog(): Log | undefined {
    return this.logManager.getLog(this.topic, this.index);
  }

  /**
   * The leader's log, for produce, fetch and ListOffsets. The TopicManager creates a topic's logs
   * right after its metadata entry; a request arriving in between creates the log here (the
   * LogManager makes concurrent creations of one log share a single open).
   */
  async leaderLog(): Promise<Log> {
    if (!this.isLeader) {
      throw new ReplicaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `This server is not the leader for partition ${this.name}`);
    }
    return this.localLog ?? (await this.logManager.getOrCreateLog(this.topic, this.index));
  }

  /**
   * Kafka's leader-epoch check for requests that carry the client's view of it (Fetch v9+,
   * ListOffsets v4+): an older epoch means the client's metadata is stale (FENCED_LEADER_EPOCH), a
   * newer one that this broker has not caught up yet (UNKNOWN_LEADER_EPOCH). -1 skips the check.
   */
  checkLeaderEpoch(currentLeaderEpoch: number): void {
    if (currentLeaderEpoch < 0 || currentLeaderEpoch === this.leaderEpoch) return;
    if (currentLeaderEpoch < this.leaderEpoch) {
      throw new ReplicaError(
        ErrorCode.FENCED_LEADER_EPOCH,
        `The leader epoch in the request (${currentLeaderEpoch}) is older than the current leader epoch ${this.leaderEpoch} of ${this.name}`,
      );
    }
    throw new ReplicaError(
      ErrorCode.UNKNOWN_LEADER_EPOCH,
      `The leader epoch in the request (${currentLeaderEpoch}) is newer than the current leader epoch ${this.leaderEpoch} of ${this.name}`,
    );
  }

  leadership(): PartitionLeadership {
    const log = this.localLog;
    if (log?.isOffline) {
      return { leaderId: -1, leaderEpoch: this.leaderEpoch, replicas: this.replicas, isr: [], offlineReplicas: [this.localNodeId] };
    }
    return { leaderId: this.leaderId, leaderEpoch: this.leaderEpoch, replicas: this.replicas, isr: this.isr, offlineReplicas: [] };
  }

  get name(): string {
    return `${this.topic}-${this.index}`;
  }
}
