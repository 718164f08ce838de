import { fileURLToPath } from 'node:url';
import type { Kafka } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { kafkajsClient } from '../../compat/support/kafkajs.js';
import { startCompatBroker, topicName, type CompatBroker } from '../../compat/support/in-process.js';
import { JsonLinesProcess } from '../test-support/json-lines-process.js';
import {
  coversDisjointly,
  createTopic,
  eventually,
  GROUP_TEST_BROKER_CONFIG,
  KafkajsMember,
  produceValues,
  range,
  type ConsumedRecord,
} from '../test-support/group-e2e.js';

const MEMBER_SCRIPT = fileURLToPath(new URL('../../test-fixtures/kafkajs/group_member.mjs', import.meta.url));

/** Values consumed, sorted, and how many were consumed more than once. */
function tally(records: readonly ConsumedRecord[]): { values: string[]; duplicates: number } {
  const values = records.map((r) => r.value);
  const unique = [...new Set(values)].sort();
  return { values: unique, duplicates: values.length - unique.length };
}
const sorted = (values: string[]) => [...values].sort();

describe('consumer groups with kafkajs 2.2.4', () => {
  let env: CompatBroker;
  let kafka: Kafka;
  const members: KafkajsMember[] = [];
  const processes: JsonLinesProcess[] = [];

  beforeAll(async () => {
    env = await startCompatBroker(GROUP_TEST_BROKER_CONFIG);
    kafka = kafkajsClient(env.bootstrap, 'groups-test').kafka;
  });
  afterEach(async () => {
    await Promise.all(members.splice(0).map((m) => m.stop().catch(() => undefined)));
    await Promise.all(processes.splice(0).map((p) => p.kill()));
  });
  afterAll(async () => {
    await env.close();
  });

  const startMember = async (topic: string, groupId: string, name: string, sink: ConsumedRecord[], extra: { sessionTimeout?: number; metadataMaxAge?: number } = {}) => {
    const m = await KafkajsMember.start(kafka, { groupId, topic, name, sink, ...extra });
    members.push(m);
    return m;
  };

  it('three members split the partitions and consume every record once; when one leaves, the other two take its partitions', async () => {
    const topic = topicName('three');
    await createTopic(env.broker, topic, 6);
    const sink: ConsumedRecord[] = [];
    const [a, b, c] = [await startMember(topic, 'g-three', 'a', sink), await startMember(topic, 'g-three', 'b', sink), await startMember(topic, 'g-three', 'c', sink)];
    await eventually(() => coversDisjointly([a!, b!, c!], 6) && [a, b, c].every((m) => m!.assignment.length === 2), 'three members with two partitions each', 20_000, () =>
      JSON.stringify([a, b, c].map((m) => [m!.name, m!.assignment])),
    );

    await produceValues(kafka, topic, range(0, 60), 6);
    await eventually(() => sink.length >= 60, '60 records consumed', 20_000, () => `consumed ${sink.length}`);
    expect(tally(sink)).toEqual({ values: sorted(range(0, 60)), duplicates: 0 });
    for (const m of [a!, b!, c!]) {
      expect(new Set(sink.filter((r) => r.member === m.name).map((r) => r.partition))).toEqual(new Set(m.assignment));
    }

    await c!.stop();
    members.splice(members.indexOf(c!), 1);
    await eventually(() => coversDisjointly([a!, b!], 6), 'the two remaining members covering all six partitions', 20_000, () =>
      JSON.stringify([a, b].map((m) => [m!.name, m!.assignment])),
    );
    const before = sink.length;
    await produceValues(kafka, topic, range(60, 120), 6);
    await eventually(() => sink.length >= before + 60, '60 more records consumed', 20_000, () => `consumed ${sink.length - before}`);
    const after = sink.slice(before);
    expect(tally(after)).toEqual({ values: sorted(range(60, 120)), duplicates: 0 });
    expect(new Set(after.map((r) => r.member))).toEqual(new Set(['a', 'b']));
  });

  it('a member killed with -9 is expelled when its session expires and the survivor takes all partitions', async () => {
    const topic = topicName('crash');
    await createTopic(env.broker, topic, 4);
    const sink: ConsumedRecord[] = [];
    const survivor = await startMember(topic, 'g-crash', 'survivor', sink, { sessionTimeout: 3000 });
    const victim = JsonLinesProcess.spawn(
      process.execPath,
      [MEMBER_SCRIPT, JSON.stringify({ bootstrap: env.bootstrap, groupId: 'g-crash', topic, name: 'victim', sessionTimeout: 3000 })],
      'kafkajs member',
    );
    processes.push(victim);
    await victim.waitFor((e) => e.event === 'assigned' && (e.partitions as number[]).length === 2, 'the victim holding two partitions');
    await eventually(() => survivor.assignment.length === 2, 'the survivor holding two partitions');

    await victim.kill();
    const killedAt = Date.now();
    await eventually(() => survivor.assignment.length === 4, 'the survivor holding all four partitions', 15_000, () => JSON.stringify(survivor.assignment));
    const expelledAfter = Date.now() - killedAt;
    // Not before the session timeout ran out, and not long after it either.
    expect(expelledAfter).toBeGreaterThan(2000);
    expect(expelledAfter).toBeLessThan(9000);

    await produceValues(kafka, topic, range(0, 40), 4);
    await eventually(() => sink.length >= 40, 'all 40 records consumed by the survivor');
    expect(tally(sink).values).toEqual(sorted(range(0, 40)));
  });

  it('partitions added to the subscribed topic are assigned after a rebalance and their records consumed', async () => {
    const topic = topicName('grow');
    await createTopic(env.broker, topic, 2);
    const sink: ConsumedRecord[] = [];
    const a = await startMember(topic, 'g-grow', 'a', sink, { metadataMaxAge: 500 });
    const b = await startMember(topic, 'g-grow', 'b', sink, { metadataMaxAge: 500 });
    await eventually(() => coversDisjointly([a, b], 2), 'one partition each');

    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
    } finally {
      await admin.disconnect();
    }
    await eventually(() => coversDisjointly([a, b], 4), 'the four partitions split between the two', 20_000, () => JSON.stringify([a.assignment, b.assignment]));
    await produceValues(kafka, topic, range(0, 40), 4);
    await eventually(() => sink.length >= 40, '40 records consumed');
    expect(tally(sink)).toEqual({ values: sorted(range(0, 40)), duplicates: 0 });
    expect(new Set(sink.map((r) => r.partition))).toEqual(new Set([0, 1, 2, 3]));
  });

  it('a consumer restarted in the same group resumes from the committed offsets: nothing skipped, nothing twice', async () => {
    const topic = topicName('resume');
    await createTopic(env.broker, topic, 3);
    await produceValues(kafka, topic, range(0, 90), 3);
    const sink: ConsumedRecord[] = [];
    const first = await startMember(topic, 'g-resume', 'first', sink);
    await eventually(() => sink.length >= 90, 'the first consumer reading all 90 records');
    await first.stop(); // commits what it processed, then leaves
    members.splice(members.indexOf(first), 1);

    await produceValues(kafka, topic, range(90, 150), 3);
    const second = await startMember(topic, 'g-resume', 'second', sink);
    await eventually(() => sink.length >= 150, 'the second consumer reading the 60 new records', 20_000, () => `consumed ${sink.length}`);
    await new Promise((r) => setTimeout(r, 300)); // anything read twice would show up by now
    const bySecond = sink.filter((r) => r.member === 'second');
    expect(tally(bySecond)).toEqual({ values: sorted(range(90, 150)), duplicates: 0 });
    expect(second.assignment).toEqual([0, 1, 2]);
  });
});
