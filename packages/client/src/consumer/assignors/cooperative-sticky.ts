import { type Assignor, type GroupAssignment, type MemberSubscription, compareMembers } from './assignor.js';

interface Owner {
  memberId: string;
  generation: number;
}

const key = (topic: string, partition: number) => `${topic}\0${partition}`;

/**
 * Kafka's CooperativeStickyAssignor, in spirit and in its guarantees:
 * - balanced: partition counts of members differ by at most one, among members that could take
 *   the same partitions;
 * - sticky: a member keeps as many of the partitions it owns as balance allows;
 * - cooperative: a partition moving from one member to another is left out of the new owner's
 *   assignment in this round; the old owner revokes it and rejoins, and the next rebalance hands it
 *   over, so no partition is ever owned by two members at once.
 * When two members claim the same partition the claim from the later generation wins (a member
 * that missed a generation may still list partitions it lost).
 */
export class CooperativeStickyAssignor implements Assignor {
  readonly name = 'cooperative-sticky';
  readonly protocol = 'cooperative' as const;

  assign(partitionsPerTopic: ReadonlyMap<string, number>, subscriptions: ReadonlyMap<string, MemberSubscription>): GroupAssignment {
    const members = [...subscriptions.values()].sort(compareMembers);
    const ids = members.map((m) => m.memberId);
    const subscribed = new Map(members.map((m) => [m.memberId, new Set(m.topics)]));

    // Every partition some member can consume, in a stable order.
    const all: Array<[string, number]> = [];
    for (const topic of [...partitionsPerTopic.keys()].sort()) {
      if (!members.some((m) => subscribed.get(m.memberId)!.has(topic))) continue;
      for (let p = 0; p < partitionsPerTopic.get(topic)!; p++) all.push([topic, p]);
    }
    const eligible = new Map<string, string[]>();
    for (const [topic] of all) if (!eligible.has(topic)) eligible.set(topic, ids.filter((id) => subscribed.get(id)!.has(topic)));

    // Previous owners: the latest generation's claim wins; equal claims leave the partition unowned.
    const owners = new Map<string, Owner>();
    const contested = new Set<string>();
    for (const m of members) {
      for (const [topic, parts] of m.ownedPartitions) {
        const count = partitionsPerTopic.get(topic);
        if (count === undefined || !subscribed.get(m.memberId)!.has(topic)) continue;
        for (const p of parts) {
          if (p < 0 || p >= count) continue;
          const k = key(topic, p);
          const prev = owners.get(k);
          if (!prev || m.generationId > prev.generation) {
            owners.set(k, { memberId: m.memberId, generation: m.generationId });
            contested.delete(k);
          } else if (m.generationId === prev.generation) contested.add(k);
        }
      }
    }
    for (const k of contested) owners.delete(k);

    // Target assignment: keep owned partitions, then fill and balance.
    const target = new Map<string, Array<[string, number]>>(ids.map((id) => [id, []]));
    const assignedTo = new Map<string, string>();
    const unassigned: Array<[string, number]> = [];
    for (const tp of all) {
      const owner = owners.get(key(tp[0], tp[1]));
      if (owner) {
        target.get(owner.memberId)!.push(tp);
        assignedTo.set(key(tp[0], tp[1]), owner.memberId);
      } else unassigned.push(tp);
    }

    const count = (id: string) => target.get(id)!.length;
    // Hand each free partition to the eligible member holding the fewest.
    for (const tp of unassigned) {
      const candidates = eligible.get(tp[0])!;
      let best = candidates[0]!;
      for (const c of candidates) if (count(c) < count(best)) best = c;
      target.get(best)!.push(tp);
      assignedTo.set(key(tp[0], tp[1]), best);
    }

    // Balance: move partitions from the fullest member to an eligible emptier one while that
    // narrows the gap by at least two. Each move lowers the sum of squared counts, so this ends.
    for (let moved = true; moved; ) {
      moved = false;
      const byLoad = [...ids].sort((a, b) => count(b) - count(a) || (a < b ? -1 : 1));
      for (const from of byLoad) {
        const list = target.get(from)!;
        // Move the most recently added partitions first, so owned ones stay where they are.
        for (let i = list.length - 1; i >= 0; i--) {
          const tp = list[i]!;
          let to: string | null = null;
          for (const c of eligible.get(tp[0])!) if (count(c) + 1 < count(from) && (to === null || count(c) < count(to))) to = c;
          if (to !== null) {
            list.splice(i, 1);
            target.get(to)!.push(tp);
            assignedTo.set(key(tp[0], tp[1]), to);
            moved = true;
            break;
          }
        }
        if (moved) break;
      }
    }

    // Cooperative: a partition changing hands is not given to its new owner until the old one revoked it.
    const out: GroupAssignment = new Map(ids.map((id) => [id, new Map<string, number[]>()]));
    for (const [id, list] of target) {
      const m = out.get(id)!;
      for (const [topic, p] of list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]))) {
        const owner = owners.get(key(topic, p));
        if (owner && owner.memberId !== id) continue;
        let parts = m.get(topic);
        if (!parts) m.set(topic, (parts = []));
        parts.push(p);
      }
    }
    return out;
  }
}
