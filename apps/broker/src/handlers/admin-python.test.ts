import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker.js';
import { run } from '../test-support/processes.js';
import { silentLogger, tempDir } from '../test-support/test-env.js';

/**
 * The admin plane driven by the Python admin clients: kafka-python 2.0.2's KafkaAdminClient and
 * confluent-kafka 1.7.0's AdminClient (librdkafka 2.0.2), from Debian's /usr/bin/python3. The
 * scripts in ../test-fixtures/python/ print what they observed as JSON; this file asserts.
 */
const FIXTURES = fileURLToPath(new URL('../test-fixtures/python/', import.meta.url));

let broker: RunningBroker;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  broker = await startBroker({ port: 0, dataDir: t.dir, logger: silentLogger() });
});
afterAll(async () => {
  await broker.stop();
  await cleanup();
});

async function script<T>(name: string, prefix: string): Promise<T> {
  const r = await run('/usr/bin/python3', [FIXTURES + name, JSON.stringify({ bootstrap: broker.bootstrap, prefix, nodeId: broker.nodeId })], { timeoutMs: 90_000 });
  if (r.code !== 0) throw new Error(`${name} exited with ${r.code ?? r.signal}:\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

type Described = Record<string, { error: number; configs: Record<string, [string | null, boolean, number | null, string[]]> }>;

describe('kafka-python KafkaAdminClient', () => {
  it('creates, lists, describes, alters, grows and deletes topics', async () => {
    const r = await script<{
      create: Record<string, number>;
      createAgain: string;
      createRf3: string;
      createBadConfig: string;
      validateOnly: string;
      listed: string[];
      partitions: Record<string, number>;
      described: Described;
      brokerConfigs: Described;
      alter: number[];
      alterUnknownKey: number[];
      describedAfterAlter: Described;
      addPartitions: string;
      shrinkPartitions: string;
      partitionsAfter: Record<string, number>;
      delete: string;
      deleteUnknown: string;
      listedAfterDelete: string[];
    }>('kafka_python_admin.py', 'kp');
    expect(r.create).toEqual({ 'kp-main': 0 });
    expect([r.createAgain, r.createRf3, r.createBadConfig, r.validateOnly]).toEqual([
      'TopicAlreadyExistsError',
      'InvalidReplicationFactorError',
      'InvalidConfigurationError',
      'ok',
    ]);
    expect(r.listed).toEqual(['kp-main']);
    expect(r.partitions).toEqual({ 'kp-main': 3 });

    const topic = r.described['kp-main']!;
    expect(topic.error).toBe(0);
    expect(topic.configs['retention.ms']).toEqual(['3600000', false, 1, ['retention.ms', 'log.retention.hours']]);
    expect(topic.configs['cleanup.policy']).toEqual(['compact', false, 1, ['cleanup.policy', 'log.cleanup.policy']]);
    expect(topic.configs['segment.bytes']![2]).toBe(5);
    const brokerSide = r.brokerConfigs[String(broker.nodeId)]!;
    expect(brokerSide.configs['num.partitions']!.slice(0, 2)).toEqual(['1', true]);
    expect(brokerSide.configs['log.segment.bytes']!.slice(0, 2)).toEqual(['1073741824', false]);

    expect(r.alter).toEqual([0]);
    expect(r.alterUnknownKey).toEqual([40]);
    // AlterConfigs replaced the whole set: cleanup.policy went back to the default.
    const altered = r.describedAfterAlter['kp-main']!.configs;
    expect([altered['retention.ms']![0], altered['cleanup.policy']![0], altered['cleanup.policy']![2]]).toEqual(['7200000', 'delete', 5]);

    expect([r.addPartitions, r.shrinkPartitions]).toEqual(['ok', 'InvalidPartitionsError']);
    expect(r.partitionsAfter).toEqual({ 'kp-main': 5 });
    expect([r.delete, r.deleteUnknown]).toEqual(['ok', 'UnknownTopicOrPartitionError']);
    expect(r.listedAfterDelete).toEqual([]);
    expect(await broker.services.metadata.getTopic('kp-main')).toBeUndefined();
  });
});

describe('confluent-kafka AdminClient', () => {
  it('creates topics with configs, describes and alters configs, adds partitions, lists and deletes', async () => {
    const r = await script<{
      create: Record<string, string>;
      createAgain: Record<string, string>;
      validateOnly: Record<string, string>;
      topicConfigs: Record<string, [string | null, number, boolean, boolean, string[]]>;
      brokerConfigs: Record<string, [string | null, number, boolean, boolean, string[]]>;
      alter: Record<string, string>;
      afterAlter: Record<string, [string, number]>;
      addPartitions: Record<string, string>;
      samePartitions: Record<string, string>;
      listed: string[];
      partitions: number;
      delete: Record<string, string>;
      listedAfterDelete: string[];
    }>('confluent_admin.py', 'ck');
    expect(r.create).toEqual({ 'ck-main': 'ok', 'ck-rf3': 'INVALID_REPLICATION_FACTOR', 'ck-badcfg': 'INVALID_CONFIG' });
    expect(r.createAgain).toEqual({ 'ck-main': 'TOPIC_ALREADY_EXISTS' });
    expect(r.validateOnly).toEqual({ 'ck-validated': 'ok' });

    expect(r.topicConfigs['retention.bytes']).toEqual(['1048576', 1, false, false, ['retention.bytes', 'log.retention.bytes']]);
    expect(r.topicConfigs['segment.bytes']!.slice(0, 4)).toEqual(['524288', 1, false, false]);
    expect(r.topicConfigs['retention.ms']!.slice(0, 4)).toEqual([String(7 * 24 * 3600 * 1000), 5, false, true]);
    expect(r.brokerConfigs['log.dirs']!.slice(0, 3)).toEqual([broker.config.logDirs.join(','), 4, true]);
    expect(r.brokerConfigs['num.partitions']!.slice(0, 3)).toEqual(['1', 5, true]);
    expect(r.brokerConfigs['log.segment.bytes']![2]).toBe(false);

    expect(Object.values(r.alter)).toEqual(['ok']);
    // The whole set was replaced: retention.bytes is back to its default.
    expect(r.afterAlter).toEqual({ 'retention.ms': ['86400000', 1], 'retention.bytes': ['-1', 5] });

    expect(r.addPartitions).toEqual({ 'ck-main': 'ok' });
    expect(r.samePartitions).toEqual({ 'ck-main': 'INVALID_PARTITIONS' });
    expect(r.listed).toEqual(['ck-main']);
    expect(r.partitions).toBe(4);
    expect(r.delete['ck-main']).toBe('ok');
    expect(r.delete['ck-never']).toMatch(/^UNKNOWN_TOPIC_OR_PART/);
    expect(r.listedAfterDelete).toEqual([]);
    expect(broker.services.logManager.allLogs().filter((l) => l.topicPartition.topic.startsWith('ck-'))).toEqual([]);
  });
});
