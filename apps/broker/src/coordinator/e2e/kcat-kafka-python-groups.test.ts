import type { Kafka } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { kafkajsClient } from '../../compat/support/kafkajs.js';
import { startCompatBroker, topicName, type CompatBroker } from '../../compat/support/in-process.js';
import { describeRun, runTool } from '../../compat/support/tools.js';
import { createTopic, GROUP_TEST_BROKER_CONFIG, produceValues, range } from '../test-support/group-e2e.js';
import { JsonLinesProcess } from '../test-support/json-lines-process.js';

const sorted = (values: string[]) => [...values].sort();

/** One `kcat -G` balanced consumer reading until every partition it was assigned is at its end. */
function kcatGroupConsumer(bootstrap: string, groupId: string, topic: string) {
  return runTool(
    'kcat',
    [
      '-b', bootstrap, '-G', groupId, topic, '-e', '-q',
      '-f', '%p %s\\n',
      '-X', 'auto.offset.reset=earliest',
      '-X', 'session.timeout.ms=6000',
      '-X', 'heartbeat.interval.ms=300',
    ],
    { timeoutMs: 30_000 },
  );
}

function parseKcat(stdout: string): Array<{ partition: number; value: string }> {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [p, value] = l.split(' ');
      return { partition: Number(p), value: value! };
    });
}

describe('balanced consumers: kcat -G (librdkafka 2.0.2)', () => {
  let env: CompatBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    // Both kcat processes start at once; the initial delay puts them in the same first generation.
    env = await startCompatBroker({ ...GROUP_TEST_BROKER_CONFIG, 'group.initial.rebalance.delay.ms': 2000 });
    kafka = kafkajsClient(env.bootstrap, 'kcat-groups-producer').kafka;
  });
  afterAll(async () => {
    await env.close();
  });

  it('two kcat -G consumers split the partitions and read every record; a third finds everything committed', async () => {
    const topic = topicName('kcat');
    await createTopic(env.broker, topic, 4);
    await produceValues(kafka, topic, range(0, 80), 4);

    const [one, two] = await Promise.all([kcatGroupConsumer(env.bootstrap, 'g-kcat', topic), kcatGroupConsumer(env.bootstrap, 'g-kcat', topic)]);
    for (const r of [one, two]) expect(r.code, describeRun('kcat -G', r)).toBe(0);
    const a = parseKcat(one.stdout);
    const b = parseKcat(two.stdout);
    expect(a.length, describeRun('first kcat', one)).toBeGreaterThan(0);
    expect(b.length, describeRun('second kcat', two)).toBeGreaterThan(0);
    const partitionsA = new Set(a.map((r) => r.partition));
    expect(b.some((r) => partitionsA.has(r.partition))).toBe(false);
    expect(sorted([...a, ...b].map((r) => r.value))).toEqual(sorted(range(0, 80)));

    const third = await kcatGroupConsumer(env.bootstrap, 'g-kcat', topic);
    expect(third.code, describeRun('third kcat', third)).toBe(0);
    expect(parseKcat(third.stdout)).toEqual([]);
  });
});

describe('group consumers: kafka-python 2.0.2', () => {
  let env: CompatBroker;
  let kafka: Kafka;
  const running: JsonLinesProcess[] = [];

  beforeAll(async () => {
    env = await startCompatBroker(GROUP_TEST_BROKER_CONFIG);
    kafka = kafkajsClient(env.bootstrap, 'kafka-python-groups-producer').kafka;
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.kill()));
  });
  afterAll(async () => {
    await env.close();
  });

  it.each(['range', 'roundrobin'])('two %s members split the partitions; when one closes the other takes over and nothing is lost', async (strategy) => {
    const topic = topicName(`kp-${strategy}`);
    await createTopic(env.broker, topic, 4);
    const p = JsonLinesProcess.python('kafka_python_group.py', { bootstrap: env.bootstrap, group: `g-kp-${strategy}`, topic, strategy, members: ['k1', 'k2'] });
    running.push(p);
    const latest = (m: string) => (p.all('assigned', (e) => e.member === m).pop()?.partitions as Array<[string, number]> | undefined)?.map(([, x]) => x) ?? [];
    const split = strategy === 'range' ? { k1: [0, 1], k2: [2, 3] } : { k1: [0, 2], k2: [1, 3] };
    await p.waitFor(() => JSON.stringify({ k1: latest('k1'), k2: latest('k2') }) === JSON.stringify(split), `the ${strategy} split ${JSON.stringify(split)}`);

    await produceValues(kafka, topic, range(0, 40), 4);
    const values = () => [...new Set(p.all('message').map((e) => e.value as string))].sort();
    await p.waitFor(() => values().length === 40, 'all 40 records consumed');
    for (const [m, parts] of Object.entries(split)) {
      expect(new Set(p.all('message', (e) => e.member === m).map((e) => e.partition))).toEqual(new Set(parts));
    }

    p.send({ cmd: 'close', member: 'k1' });
    await p.waitFor(() => latest('k2').length === 4, 'k2 holding all four partitions');
    await produceValues(kafka, topic, range(40, 80), 4);
    await p.waitFor(() => values().length === 80, 'the next 40 records consumed');
    expect(new Set(p.all('message', (e) => Number((e.value as string).slice(1)) >= 40).map((e) => e.member))).toEqual(new Set(['k2']));
    await p.finish();
    expect(p.all('error')).toEqual([]);
  });
});
