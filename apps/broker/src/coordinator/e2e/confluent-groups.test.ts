import type { Kafka } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { kafkajsClient } from '../../compat/support/kafkajs.js';
import { startCompatBroker, topicName, type CompatBroker } from '../../compat/support/in-process.js';
import { createTopic, GROUP_TEST_BROKER_CONFIG, produceValues, range } from '../test-support/group-e2e.js';
import { JsonLinesProcess, type JsonEvent } from '../test-support/json-lines-process.js';

type Owned = Array<[string, number]>;

/** A member's partitions (of the test topic) after its latest rebalance callback. */
function ownedBy(p: JsonLinesProcess, member: string): number[] | undefined {
  const last = p.events.filter((e) => e.member === member && ['assigned', 'revoked', 'lost'].includes(e.event)).pop();
  return last ? (last.owned as Owned).map(([, partition]) => partition).sort((a, b) => a - b) : undefined;
}

/** Waits until the named members' partitions are exactly `expected` (member → partitions). */
async function waitForAssignment(p: JsonLinesProcess, expected: Record<string, number[]>, what: string): Promise<void> {
  await p.waitFor(() => Object.entries(expected).every(([m, parts]) => JSON.stringify(ownedBy(p, m)) === JSON.stringify(parts)), what, 30_000);
}

/** Waits until the members' partitions are non-empty, disjoint and together 0..count-1; returns them. */
async function waitForCover(p: JsonLinesProcess, names: string[], count: number, what: string): Promise<Record<string, number[]>> {
  let snapshot: Record<string, number[]> = {};
  await p.waitFor(
    () => {
      snapshot = Object.fromEntries(names.map((n) => [n, ownedBy(p, n) ?? []]));
      const all = Object.values(snapshot).flat().sort((a, b) => a - b);
      return Object.values(snapshot).every((s) => s.length > 0) && all.length === count && all.every((x, i) => x === i);
    },
    what,
    30_000,
  );
  return snapshot;
}

/**
 * Replays the rebalance callbacks in the order the members ran them (one thread polls them all) and
 * lists every moment a partition was granted to a member while another still owned it: the
 * cooperative protocol promises there is none.
 */
function doubleOwnership(events: readonly JsonEvent[]): string[] {
  const owner = new Map<string, string>();
  const problems: string[] = [];
  for (const e of events) {
    if (!['assigned', 'revoked', 'lost'].includes(e.event)) continue;
    for (const [topic, partition] of e.partitions as Owned) {
      const key = `${topic}-${partition}`;
      if (e.event !== 'assigned') owner.delete(key);
      else if (owner.has(key) && owner.get(key) !== e.member) problems.push(`${key} granted to ${String(e.member)} while ${owner.get(key)} owns it`);
      else owner.set(key, e.member as string);
    }
  }
  return problems;
}

const consumedValues = (p: JsonLinesProcess, member?: string) =>
  [...new Set(p.all('message', (e) => member === undefined || e.member === member).map((e) => e.value as string))].sort();

describe('consumer groups with confluent-kafka-python 1.7 (librdkafka 2.0.2)', () => {
  let env: CompatBroker;
  let kafka: Kafka;
  const running: JsonLinesProcess[] = [];

  beforeAll(async () => {
    env = await startCompatBroker(GROUP_TEST_BROKER_CONFIG);
    kafka = kafkajsClient(env.bootstrap, 'confluent-groups-producer').kafka;
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.kill()));
  });
  afterAll(async () => {
    await env.close();
  });

  const group = (arg: Record<string, unknown>) => {
    const p = JsonLinesProcess.python('confluent_group.py', { bootstrap: env.bootstrap, ...arg });
    running.push(p);
    return p;
  };

  it.each([
    ['range', { m1: [0, 1], m2: [2, 3] }],
    ['roundrobin', { m1: [0, 2], m2: [1, 3] }],
  ])('the %s strategy: two members get the assignor\'s split and consume every record', async (strategy, expected) => {
    const topic = topicName(strategy);
    await createTopic(env.broker, topic, 4);
    const p = group({ group: `g-${strategy}`, topics: [topic], strategy, members: [{ name: 'm1' }, { name: 'm2' }] });
    await waitForAssignment(p, expected, `the ${strategy} assignment ${JSON.stringify(expected)}`);
    await produceValues(kafka, topic, range(0, 40), 4);
    await p.waitFor(() => consumedValues(p).length === 40, 'all 40 records consumed');
    for (const [member, partitions] of Object.entries(expected)) {
      expect(new Set(p.all('message', (e) => e.member === member).map((e) => e.partition))).toEqual(new Set(partitions));
    }
    await p.finish();
    expect(p.all('error')).toEqual([]);
  });

  it('cooperative-sticky: a joining member takes partitions over several rounds without the others giving up what they keep', async () => {
    const topic = topicName('coop');
    await createTopic(env.broker, topic, 6);
    const p = group({ group: 'g-coop', topics: [topic], strategy: 'cooperative-sticky', members: [{ name: 'm1' }, { name: 'm2' }] });
    const before = await waitForCover(p, ['m1', 'm2'], 6, 'two members covering six partitions');
    expect(Object.values(before).map((s) => s.length)).toEqual([3, 3]);
    const mark = p.events.length;

    p.send({ cmd: 'add', member: { name: 'm3' } });
    const after = await waitForCover(p, ['m1', 'm2', 'm3'], 6, 'three members covering six partitions');
    expect(Object.values(after).map((s) => s.length), p.describe()).toEqual([2, 2, 2]);
    // Several rounds: the newcomer's first assignment is empty (every partition is still owned);
    // later rounds hand over only what the owners have revoked meanwhile.
    const m3Grants = p.events.slice(mark).filter((e) => e.member === 'm3' && e.event === 'assigned');
    expect((m3Grants[0]!.partitions as Owned).length, p.describe()).toBe(0);
    expect(m3Grants.length, p.describe()).toBeGreaterThan(1);
    expect(doubleOwnership(p.events), p.describe()).toEqual([]);
    for (const m of ['m1', 'm2']) {
      // Sticky: each old member keeps a subset of what it had...
      expect(after[m]!.every((x) => before[m]!.includes(x)), p.describe()).toBe(true);
      // ...and cooperative: it only ever gave up the partition that moved, never its whole assignment.
      const revoked = p.events.slice(mark).filter((e) => e.member === m && e.event === 'revoked').flatMap((e) => (e.partitions as Owned).map(([, x]) => x));
      expect(revoked.sort(), p.describe()).toEqual(before[m]!.filter((x) => !after[m]!.includes(x)));
    }

    await produceValues(kafka, topic, range(0, 60), 6);
    await p.waitFor(() => consumedValues(p).length === 60, 'all 60 records consumed');
    expect(consumedValues(p, 'm3').length).toBeGreaterThan(0);

    p.send({ cmd: 'close', member: 'm3' });
    const back = await waitForCover(p, ['m1', 'm2'], 6, 'the two members covering six partitions again');
    for (const m of ['m1', 'm2']) expect(after[m]!.every((x) => back[m]!.includes(x))).toBe(true);
    await p.finish();
  });

  it('static membership: a member restarted within its session timeout gets its partitions back without a rebalance', async () => {
    const topic = topicName('static');
    await createTopic(env.broker, topic, 4);
    const members = [
      { name: 'a', instanceId: 'instance-a' },
      { name: 'b', instanceId: 'instance-b' },
    ];
    const p = group({ group: 'g-static', topics: [topic], strategy: 'range', members, sessionTimeoutMs: 15_000 });
    const before = await waitForCover(p, ['a', 'b'], 4, 'both static members assigned');
    await new Promise((r) => setTimeout(r, 1000)); // let the group settle: no rebalance in flight
    const eventsOfB = () => p.events.filter((e: JsonEvent) => e.member === 'b' && e.event !== 'message').length;
    const bBefore = eventsOfB();

    p.send({ cmd: 'close', member: 'a' }); // a static member does not send LeaveGroup
    await p.waitFor((e) => e.event === 'closed' && e.member === 'a', 'a closed');
    p.send({ cmd: 'add', member: { name: 'a2', instanceId: 'instance-a' } });
    await waitForAssignment(p, { a2: before.a! }, "the restarted instance holding a's partitions");
    await new Promise((r) => setTimeout(r, 1500)); // a rebalance would reach b within this time
    expect(eventsOfB(), p.describe()).toBe(bBefore);

    await produceValues(kafka, topic, range(0, 40), 4);
    await p.waitFor(() => consumedValues(p).length === 40, 'all 40 records consumed');
    expect(new Set(p.all('message', (e) => e.member === 'a2').map((e) => e.partition))).toEqual(new Set(before.a));
    await p.finish();
  });
});
