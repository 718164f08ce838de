import { type Assignor, type GroupAssignment, type MemberSubscription, addPartition, compareMembers, emptyAssignment } from './assignor.js';

/**
 * Kafka's RoundRobinAssignor: all partitions (topics in name order) are dealt to the members in
 * turn, skipping members not subscribed to a partition's topic.
 */
export class RoundRobinAssignor implements Assignor {
  readonly name = 'roundrobin';
  readonly protocol = 'eager' as const;

  assign(partitionsPerTopic: ReadonlyMap<string, number>, subscriptions: ReadonlyMap<string, MemberSubscription>): GroupAssignment {
    const out = emptyAssignment(subscriptions);
    const members = [...subscriptions.values()].sort(compareMembers);
    if (members.length === 0) return out;
    let next = 0;
    for (const topic of [...partitionsPerTopic.keys()].sort()) {
      if (!members.some((m) => m.topics.includes(topic))) continue;
      const count = partitionsPerTopic.get(topic)!;
      for (let p = 0; p < count; p++) {
        while (!members[next % members.length]!.topics.includes(topic)) next++;
        addPartition(out, members[next % members.length]!.memberId, topic, p);
        next++;
      }
    }
    return out;
  }
}
