/** One member's subscription as the group leader sees it (decoded from JoinGroup metadata). */
export interface MemberSubscription {
  memberId: string;
  groupInstanceId: string | null;
  topics: string[];
  userData: Buffer | null;
  /** Partitions the member owns now (subscription v1+; what cooperative rebalancing builds on). */
  ownedPartitions: Map<string, number[]>;
  /** The generation in which it owned them (subscription v2+), -1 if unknown. */
  generationId: number;
  rackId: string | null;
}

/** Partitions per topic, for every member id. */
export type GroupAssignment = Map<string, Map<string, number[]>>;

export type RebalanceProtocol = 'eager' | 'cooperative';

/**
 * A partition assignor (Kafka's ConsumerPartitionAssignor): the group leader runs the one all
 * members support, and every member receives its share through SyncGroup.
 */
export interface Assignor {
  /** The protocol name in JoinGroup ("range", "roundrobin", "cooperative-sticky"), shared with Java. */
  readonly name: string;
  /**
   * eager: members give up all partitions before a rebalance; cooperative: they keep them and
   * give up only what moves, in a follow-up rebalance.
   */
  readonly protocol: RebalanceProtocol;
  /**
   * @param partitionsPerTopic partition count of every topic some member subscribes to (topics
   *   that do not exist are absent).
   */
  assign(partitionsPerTopic: ReadonlyMap<string, number>, subscriptions: ReadonlyMap<string, MemberSubscription>): GroupAssignment;
}

/** Java's MemberInfo order: static members by instance id first, then by member id. */
export function compareMembers(a: MemberSubscription, b: MemberSubscription): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return a.groupInstanceId < b.groupInstanceId ? -1 : a.groupInstanceId > b.groupInstanceId ? 1 : 0;
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0;
}

export function emptyAssignment(subscriptions: ReadonlyMap<string, MemberSubscription>): GroupAssignment {
  const out: GroupAssignment = new Map();
  for (const id of subscriptions.keys()) out.set(id, new Map());
  return out;
}

export function addPartition(assignment: GroupAssignment, memberId: string, topic: string, partition: number): void {
  const m = assignment.get(memberId)!;
  let list = m.get(topic);
  if (!list) m.set(topic, (list = []));
  list.push(partition);
}
