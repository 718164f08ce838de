import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import { EmbeddedMetadataStore, METADATA_FILE } from './embedded-metadata-store.js';
import { uuidToString } from './kafka-uuid.js';
import { MetadataError } from './metadata-error.js';
import type { MetadataChange } from './metadata-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tributary-meta-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const open = (over: Partial<{ nodeId: number; clusterId: string | null }> = {}) =>
  EmbeddedMetadataStore.open({ dir, nodeId: 1, clusterId: null, ...over });

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('EmbeddedMetadataStore', () => {
  it('generates a Kafka-style cluster id on first start and keeps it across restarts', async () => {
    const a = await open();
    const id = await a.clusterId();
    expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    await a.close();
    const b = await open();
    expect(await b.clusterId()).toBe(id);
    await b.close();
  });

  it('keeps its file readable by the owner only (it holds SCRAM credentials)', async () => {
    const store = await open();
    await store.close();
    expect((await stat(join(dir, METADATA_FILE))).mode & 0o777).toBe(0o600);
  });

  it('uses a configured cluster id and refuses a different one later', async () => {
    const a = await open({ clusterId: 'MkU3OEVBNTcwNTJENDM2Qk' });
    expect(await a.clusterId()).toBe('MkU3OEVBNTcwNTJENDM2Qk');
    await a.close();
    const err = await rejection(open({ clusterId: 'somethingElse' }));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/cluster\.id 'somethingElse' does not match .*MkU3OEVBNTcwNTJENDM2Qk/);
  });

  it('refuses a data directory written by another node id', async () => {
    await (await open({ nodeId: 1 })).close();
    const err = await rejection(open({ nodeId: 2 }));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/node\.id 2 does not match the node id 1/);
  });

  it('creates, finds, alters, extends and deletes topics, durably', async () => {
    const a = await open();
    const t = await a.createTopic({ name: 'orders', assignments: [[1], [1]], configs: { 'retention.ms': '1000' } });
    expect(t.topicId).toHaveLength(16);
    expect(t.partitions).toEqual([
      { partition: 0, replicas: [1] },
      { partition: 1, replicas: [1] },
    ]);
    expect(await a.getTopicById(t.topicId)).toBe(t);
    await a.alterTopicConfigs('orders', { 'retention.ms': null, 'cleanup.policy': 'compact' });
    await a.addPartitions('orders', [[1]]);
    await a.createTopic({ name: 'gone', assignments: [[1]] });
    await a.deleteTopic('gone');
    await a.close();

    const b = await open();
    const reloaded = await b.getTopic('orders');
    expect(reloaded?.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(reloaded?.configs).toEqual({ 'cleanup.policy': 'compact' });
    expect(uuidToString(reloaded!.topicId)).toBe(uuidToString(t.topicId));
    expect(await b.getTopic('gone')).toBeUndefined();
    expect((await b.listTopics()).map((x) => x.name)).toEqual(['orders']);
    await b.close();
  });

  it('reports Kafka errors for bad topic operations', async () => {
    const s = await open();
    await s.createTopic({ name: 'a.b', assignments: [[1]] });
    const code = async (p: Promise<unknown>) => ((await rejection(p)) as MetadataError).code;
    expect(await code(s.createTopic({ name: 'a.b', assignments: [[1]] }))).toBe('TOPIC_ALREADY_EXISTS');
    expect(await code(s.createTopic({ name: 'a_b', assignments: [[1]] }))).toBe('INVALID_TOPIC_EXCEPTION');
    expect(await code(s.createTopic({ name: 'bad name', assignments: [[1]] }))).toBe('INVALID_TOPIC_EXCEPTION');
    expect(await code(s.createTopic({ name: 'x'.repeat(250), assignments: [[1]] }))).toBe('INVALID_TOPIC_EXCEPTION');
    expect(await code(s.createTopic({ name: '..', assignments: [[1]] }))).toBe('INVALID_TOPIC_EXCEPTION');
    expect(await code(s.createTopic({ name: 'empty', assignments: [] }))).toBe('INVALID_PARTITIONS');
    expect(await code(s.createTopic({ name: 'dup', assignments: [[1, 1]] }))).toBe('INVALID_REPLICA_ASSIGNMENT');
    expect(await code(s.createTopic({ name: 'uneven', assignments: [[1], [1, 2]] }))).toBe('INVALID_REPLICA_ASSIGNMENT');
    expect(await code(s.deleteTopic('missing'))).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    expect(await code(s.addPartitions('a.b', []))).toBe('INVALID_PARTITIONS');
    expect(await code(s.alterTopicConfigs('missing', {}))).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    const err = (await rejection(s.deleteTopic('missing'))) as MetadataError;
    expect(err.errorCode).toBe(3);
    await s.close();
  });

  it('applies concurrent changes one after another and notifies subscribers after each commit', async () => {
    const s = await open();
    const seen: MetadataChange['type'][] = [];
    s.subscribe((c) => seen.push(c.type));
    const results = await Promise.allSettled([
      s.createTopic({ name: 't', assignments: [[1]] }),
      s.createTopic({ name: 't', assignments: [[1]] }),
      s.addPartitions('t', [[1]]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(seen).toEqual(['topic-created', 'partitions-added']);
    const onDisk = JSON.parse(await readFile(join(dir, METADATA_FILE), 'utf8'));
    expect(onDisk.topics[0].partitions).toEqual([[1], [1]]);
    await s.close();
  });

  it('keeps broker registrations in memory only', async () => {
    const s = await open();
    await s.registerBroker({ nodeId: 1, rack: null, endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'h', port: 1 }] });
    expect((await s.listBrokers()).map((b) => b.nodeId)).toEqual([1]);
    await s.close();
    const again = await open();
    expect(await again.listBrokers()).toEqual([]);
    await again.close();
  });

  it('refuses to start on a corrupt file instead of starting empty', async () => {
    await writeFile(join(dir, METADATA_FILE), '{"version":1,"clusterId":"x","nodeId":1,"topics":[{"name":');
    const err = await rejection(open());
    expect(err).toBeInstanceOf(MetadataError);
    expect((err as MetadataError).code).toBe('KAFKA_STORAGE_ERROR');
    expect((err as Error).message).toMatch(/not a valid Tributary metadata file/);
  });
});
