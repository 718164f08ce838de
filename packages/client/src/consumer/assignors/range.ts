import { type Assignor, type GroupAssignment, type MemberSubscription, addPartition, compareMembers, emptyAssignment } from './assignor.js';

/**
 * Kafka's RangeAssignor: per topic, the members subscribed to it (in member order) get
 * consecutive ranges of partitions; the first `partitions % members` get one extra.
 */
export class RangeAssignor implements Assignor {
  readonly name = 'range';
  readonly protocol = 'eager' as const;

  assign(partitionsPerTopic: ReadonlyMap<string, number>, subscriptions: ReadonlyMap<string, MemberSubscription>): GroupAssignment {
    const out = emptyAssignment(subscriptions);
    const members = [...subscriptions.values()].sort(compareMembers);
    const topics = [...partitionsPerTopic.keys()].sort();
    for (const topic of topics) {
      const count = partitionsPerTopic.get(topic)!;
      const consumers = members.filter((m) => m.topics.includes(topic));
      if (consumers.length === 0) continue;
      const per = Math.floor(count / consumers.length);
      const extra = count % consumers.length;
      consumers.forEach((m, i) => {
        const start = per * i + Math.min(i, extra);
        const length = per + (i + 1 > extra ? 0 : 1);
        for (let p = start; p < start + length; p++) addPartition(out, m.memberId, topic, p);
      });
    }
    return out;
  }
}
