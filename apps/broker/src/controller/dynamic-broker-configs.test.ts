import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BrokerConfig } from '../config/broker-config.js';
import { memoryLogger, tempDir } from '../test-support/test-env.js';
import { CLUSTER_DEFAULT_ENTITY, DynamicBrokerConfigs } from './dynamic-broker-configs.js';
import { EmbeddedMetadataStore, METADATA_FILE } from './embedded-metadata-store.js';
import { KeyedLock } from './keyed-lock.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

const config = () => BrokerConfig.resolve([{ source: 'file', origin: 'server.properties', entries: [{ key: 'log.segment.bytes', value: '5000000' }] }]);
const openStore = () => EmbeddedMetadataStore.open({ dir, nodeId: 1, clusterId: null });

describe('DynamicBrokerConfigs', () => {
  it('layers this broker over the cluster default over the static config, and persists both', async () => {
    const store = await openStore();
    const d = await DynamicBrokerConfigs.load(store, config(), memoryLogger().logger);
    expect(d.defaultLogConfig().segmentBytes).toBe(5000000);
    let changes = 0;
    d.onChange(() => changes++);
    await d.replace(CLUSTER_DEFAULT_ENTITY, { 'log.segment.bytes': '3000000', 'log.retention.ms': '60000' });
    expect([d.defaultLogConfig().segmentBytes, d.defaultLogConfig().retentionMs]).toEqual([3000000, 60000]);
    await d.replace('1', { 'log.segment.bytes': ' 2000000 ' });
    expect(d.defaultLogConfig().segmentBytes).toBe(2000000);
    expect(d.overrides('1')).toEqual({ 'log.segment.bytes': '2000000' });
    expect(changes).toBe(2);
    await d.replace('1', { 'log.segment.bytes': '4000000' }, { validateOnly: true });
    expect(d.defaultLogConfig().segmentBytes).toBe(2000000);
    await store.close();

    const again = await DynamicBrokerConfigs.load(await openStore(), config(), memoryLogger().logger);
    expect([again.defaultLogConfig().segmentBytes, again.defaultLogConfig().retentionMs]).toEqual([2000000, 60000]);
    expect(again.overrides(CLUSTER_DEFAULT_ENTITY)).toEqual({ 'log.segment.bytes': '3000000', 'log.retention.ms': '60000' });
  });

  it('refuses settings that would make the topic defaults inconsistent', async () => {
    const store = await openStore();
    const d = await DynamicBrokerConfigs.load(store, config(), memoryLogger().logger);
    expect(() =>
      d.validate(CLUSTER_DEFAULT_ENTITY, { 'log.cleaner.min.compaction.lag.ms': '1000', 'log.cleaner.max.compaction.lag.ms': '10' }),
    ).toThrow(/min\.compaction\.lag\.ms/);
    await store.close();
  });

  it('reads metadata files written before broker configs existed, and ignores stored keys that are no longer valid', async () => {
    const store = await openStore();
    await store.close();
    const path = join(dir, METADATA_FILE);
    const state = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    delete state.brokerConfigs;
    await writeFile(path, JSON.stringify(state));
    const old = await openStore();
    expect(await old.brokerConfigs(CLUSTER_DEFAULT_ENTITY)).toEqual({});
    await old.alterBrokerConfigs(CLUSTER_DEFAULT_ENTITY, { 'num.partitions': '7', 'log.retention.ms': 'soon', 'message.max.bytes': '2000' });
    const mem = memoryLogger('warn');
    const d = await DynamicBrokerConfigs.load(old, config(), mem.logger);
    expect(d.overrides(CLUSTER_DEFAULT_ENTITY)).toEqual({ 'message.max.bytes': '2000' });
    expect(d.defaultLogConfig().maxMessageBytes).toBe(2000);
    expect(mem.lines().filter((l) => l.msg === 'ignoring a stored dynamic broker config').map((l) => l.key)).toEqual(['num.partitions', 'log.retention.ms']);
    await old.close();
  });
});

describe('KeyedLock', () => {
  it('runs sections of one key in order and of different keys concurrently', async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = lock.run('a', async () => {
      events.push('a1 start');
      await gate;
      events.push('a1 end');
    });
    const second = lock.run('a', async () => {
      events.push('a2');
    });
    const other = lock.run('b', async () => {
      events.push('b');
    });
    await other;
    expect(events).toEqual(['a1 start', 'b']);
    release();
    await Promise.all([first, second]);
    expect(events).toEqual(['a1 start', 'b', 'a1 end', 'a2']);
    await new Promise((r) => setImmediate(r));
    expect(lock.size).toBe(0);
  });

  it('keeps going after a failed section', async () => {
    const lock = new KeyedLock();
    await expect(lock.run('k', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await lock.run('k', async () => 42)).toBe(42);
  });
});
