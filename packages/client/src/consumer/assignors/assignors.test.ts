import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GroupAssignment, MemberSubscription } from './assignor.js';
import { CooperativeStickyAssignor } from './cooperative-sticky.js';
import { RangeAssignor } from './range.js';
import { RoundRobinAssignor } from './round-robin.js';

function member(memberId: string, topics: string[], owned: Record<string, number[]> = {}, generationId = -1): MemberSubscription {
  return { memberId, groupInstanceId: null, topics, userData: null, ownedPartitions: new Map(Object.entries(owned)), generationId, rackId: null };
}

function subs(...members: MemberSubscription[]): Map<string, MemberSubscription> {
  return new Map(members.map((m) => [m.memberId, m]));
}

/** Assignment as plain objects, for readable expectations. */
function plain(a: GroupAssignment): Record<string, Record<string, number[]>> {
  return Object.fromEntries([...a].map(([id, m]) => [id, Object.fromEntries([...m].map(([t, p]) => [t, [...p].sort((x, y) => x - y)]))]));
}

function counts(a: GroupAssignment): number[] {
  return [...a.values()].map((m) => [...m.values()].reduce((n, p) => n + p.length, 0));
}

describe('RangeAssignor', () => {
  it("matches Kafka's documented example: two members, two topics of three partitions", () => {
    const a = new RangeAssignor().assign(new Map([['t0', 3], ['t1', 3]]), subs(member('C0', ['t0', 't1']), member('C1', ['t0', 't1'])));
    expect(plain(a)).toEqual({ C0: { t0: [0, 1], t1: [0, 1] }, C1: { t0: [2], t1: [2] } });
  });

  it('only ranges over members subscribed to each topic', () => {
    const a = new RangeAssignor().assign(new Map([['a', 4], ['b', 2]]), subs(member('m1', ['a']), member('m2', ['a', 'b']), member('m3', ['b'])));
    expect(plain(a)).toEqual({ m1: { a: [0, 1] }, m2: { a: [2, 3], b: [0] }, m3: { b: [1] } });
  });
});

describe('RoundRobinAssignor', () => {
  it("matches Kafka's documented example", () => {
    const a = new RoundRobinAssignor().assign(new Map([['t0', 3], ['t1', 3]]), subs(member('C0', ['t0', 't1']), member('C1', ['t0', 't1'])));
    expect(plain(a)).toEqual({ C0: { t0: [0, 2], t1: [1] }, C1: { t0: [1], t1: [0, 2] } });
  });

  it('skips members not subscribed to a topic', () => {
    const a = new RoundRobinAssignor().assign(new Map([['t0', 1], ['t1', 2], ['t2', 3]]), subs(member('C0', ['t0']), member('C1', ['t0', 't1']), member('C2', ['t0', 't1', 't2'])));
    expect(plain(a)).toEqual({ C0: { t0: [0] }, C1: { t1: [0] }, C2: { t1: [1], t2: [0, 1, 2] } });
  });
});

describe('CooperativeStickyAssignor', () => {
  const assignor = new CooperativeStickyAssignor();

  it('balances a fresh group', () => {
    const a = assignor.assign(new Map([['t', 7]]), subs(member('a', ['t']), member('b', ['t']), member('c', ['t'])));
    expect(counts(a).sort()).toEqual([2, 2, 3]);
  });

  it('keeps owned partitions and withholds moving ones until they are revoked', () => {
    const topics = new Map([['t', 6]]);
    // a owned everything; b joins.
    const round1 = assignor.assign(topics, subs(member('a', ['t'], { t: [0, 1, 2, 3, 4, 5] }, 1), member('b', ['t'])));
    const a1 = round1.get('a')!.get('t')!;
    expect(a1).toHaveLength(3);
    // b gets nothing yet: the three partitions leaving a are still a's until a revokes them.
    expect(round1.get('b')!.get('t') ?? []).toEqual([]);
    // a revokes what it lost and rejoins; now b gets them.
    const round2 = assignor.assign(topics, subs(member('a', ['t'], { t: a1 }, 2), member('b', ['t'], {}, 2)));
    expect(round2.get('a')!.get('t')).toEqual(a1);
    expect(round2.get('b')!.get('t')!.sort()).toEqual([0, 1, 2, 3, 4, 5].filter((p) => !a1.includes(p)));
  });

  it('resolves two claims on one partition in favour of the later generation', () => {
    const a = assignor.assign(new Map([['t', 2]]), subs(member('a', ['t'], { t: [0] }, 3), member('b', ['t'], { t: [0, 1] }, 2)));
    expect(plain(a)).toEqual({ a: { t: [0] }, b: { t: [1] } });
  });

  it('never assigns a partition twice, stays balanced, sticks, and converges within two rounds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.boolean(), { minLength: 2, maxLength: 6 }),
        (initialMembers, partitionCounts, joins) => {
          const topics = new Map(partitionCounts.map((n, i) => [`t${i}`, n]));
          const names = [...topics.keys()];
          const total = partitionCounts.reduce((a, b) => a + b, 0);
          let owned = new Map<string, Map<string, number[]>>();
          for (let i = 0; i < initialMembers; i++) owned.set(`m${i}`, new Map());
          let generation = 0;
          let nextId = initialMembers;
          for (const join of joins) {
            // A member joins or (if more than one) leaves, then two rebalances run.
            if (join || owned.size === 1) owned.set(`m${nextId++}`, new Map());
            else owned.delete([...owned.keys()][0]!);
            for (let round = 0; round < 2; round++) {
              generation++;
              const before = owned;
              const s = subs(...[...before].map(([id, o]) => member(id, names, Object.fromEntries(o), generation - 1)));
              const result = assignor.assign(topics, s);
              // No partition goes to two members, nor to one while another still owns it.
              const holders = new Map<string, string>();
              for (const [id, m] of result) {
                for (const [t, ps] of m) {
                  for (const p of ps) {
                    const k = `${t}-${p}`;
                    expect(holders.has(k)).toBe(false);
                    holders.set(k, id);
                    for (const [other, o] of before) if (other !== id) expect(o.get(t)?.includes(p) ?? false).toBe(false);
                  }
                }
              }
              // Sticky: a member's new assignment keeps what it owned, up to its balanced share.
              const share = Math.ceil(total / result.size);
              for (const [id, m] of result) {
                const kept = [...(before.get(id) ?? new Map())].reduce((n, [t, ps]) => n + ps.filter((p: number) => m.get(t)?.includes(p)).length, 0);
                const had = [...(before.get(id) ?? new Map())].reduce((n, [, ps]) => n + ps.length, 0);
                expect(kept).toBeGreaterThanOrEqual(Math.min(had, Math.floor(total / result.size)));
                expect(counts(new Map([[id, m]]))[0]!).toBeLessThanOrEqual(share);
              }
              owned = new Map([...result].map(([id, m]) => [id, new Map([...m].map(([t, ps]) => [t, [...ps]]))]));
            }
            // After the follow-up round everything is assigned and balanced.
            const c = counts(owned);
            expect(c.reduce((a, b) => a + b, 0)).toBe(total);
            expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
