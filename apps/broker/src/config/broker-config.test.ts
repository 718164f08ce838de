import { DEFAULT_LOG_CONFIG } from '@tributary/storage';
import { describe, expect, it } from 'vitest';
import { BrokerConfig, type ConfigLayer } from './broker-config.js';
import { ConfigError } from './config-error.js';
import { BROKER_CONFIG_DEFS } from './definitions.js';
import { overridesLayer } from './load-config.js';
import { parseProperties } from './properties.js';
import { topicConfigDefaults } from './topic-defaults.js';
import { parseValue } from './value-types.js';

const file = (text: string): ConfigLayer => ({ source: 'file', origin: 'server.properties', entries: parseProperties(text) });
const prog = (values: Record<string, unknown>): ConfigLayer => ({
  source: 'programmatic',
  origin: 'startBroker()',
  entries: Object.entries(values).map(([key, value]) => ({ key, value })),
});
const resolve = (...layers: ConfigLayer[]) => BrokerConfig.resolve(layers, '/srv/broker');

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config definitions', () => {
  it('has unique keys, and every default parses as its type and passes its validator', () => {
    const names = BROKER_CONFIG_DEFS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    for (const def of BROKER_CONFIG_DEFS) {
      if (def.default === null) continue;
      const parsed = parseValue(def.type, def.default);
      expect(parsed.ok, def.name).toBe(true);
      if (parsed.ok && 'validator' in def && parsed.value !== null) expect(def.validator.problem(parsed.value), def.name).toBeUndefined();
    }
  });
});

describe('BrokerConfig.resolve', () => {
  it('gives Kafka defaults, with our node id and data directory', () => {
    const c = resolve();
    expect(c.nodeId).toBe(1);
    expect(c.listeners).toEqual([{ name: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '', port: 9092 }]);
    expect(c.advertisedListeners).toBeNull();
    expect(c.logDirs).toEqual(['/srv/broker/tributary-data']);
    expect(c.get('num.partitions')).toBe(1);
    expect(c.get('message.max.bytes')).toBe(1048588);
    expect(c.get('auto.create.topics.enable')).toBe(true);
    expect(c.get('log.cleanup.policy')).toEqual(['delete']);
    expect(c.logRetentionMs).toBe(168 * 3_600_000);
    expect(c.logRollMs).toBe(168 * 3_600_000);
    expect(c.get('log.flush.interval.messages')).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
    expect(c.source('num.partitions')).toBe('default');
  });

  it('parses typed values from properties text and records their source', () => {
    const c = resolve(file('num.partitions = 3\nauto.create.topics.enable=FALSE\nlog.cleanup.policy=compact, delete\nlog.cleaner.min.cleanable.ratio=0.25'));
    expect(c.get('num.partitions')).toBe(3);
    expect(c.get('auto.create.topics.enable')).toBe(false);
    expect(c.get('log.cleanup.policy')).toEqual(['compact', 'delete']);
    expect(c.get('log.cleaner.min.cleanable.ratio')).toBe(0.25);
    expect(c.source('num.partitions')).toBe('file');
  });

  it('lets --override win over the file, and the last of repeated keys win', () => {
    const c = resolve(file('num.partitions=3\nnum.partitions=4\nlog.segment.bytes=2048'), overridesLayer(['num.partitions=7']));
    expect(c.get('num.partitions')).toBe(7);
    expect(c.source('num.partitions')).toBe('override');
    expect(c.get('log.segment.bytes')).toBe(2048);
    expect(resolve(file('num.partitions=3\nnum.partitions=4')).get('num.partitions')).toBe(4);
  });

  it('takes retention from ms, else minutes, else hours, and maps negatives to -1', () => {
    expect(resolve(file('log.retention.hours=2')).logRetentionMs).toBe(7_200_000);
    expect(resolve(file('log.retention.hours=2\nlog.retention.minutes=3')).logRetentionMs).toBe(180_000);
    expect(resolve(file('log.retention.hours=2\nlog.retention.minutes=3\nlog.retention.ms=5000')).logRetentionMs).toBe(5000);
    expect(resolve(file('log.retention.hours=-1')).logRetentionMs).toBe(-1);
    expect(resolve(file('log.retention.ms=-1\nlog.retention.hours=5')).logRetentionMs).toBe(-1);
  });

  it('takes roll time from log.roll.ms over log.roll.hours, and flush.ms falls back to the scheduler interval', () => {
    expect(resolve(file('log.roll.hours=1')).logRollMs).toBe(3_600_000);
    expect(resolve(file('log.roll.hours=1\nlog.roll.ms=10')).logRollMs).toBe(10);
    expect(resolve(file('log.flush.scheduler.interval.ms=2000')).logFlushIntervalMs).toBe(2000);
    expect(resolve(file('log.flush.scheduler.interval.ms=2000\nlog.flush.interval.ms=50')).logFlushIntervalMs).toBe(50);
  });

  it('uses log.dirs over log.dir and resolves relative paths against the working directory', () => {
    expect(resolve(file('log.dir=data')).logDirs).toEqual(['/srv/broker/data']);
    expect(resolve(file('log.dir=data\nlog.dirs=/a, b')).logDirs).toEqual(['/a', '/srv/broker/b']);
  });

  it('treats broker.id as node.id and refuses two different ids', () => {
    expect(resolve(file('broker.id=5')).nodeId).toBe(5);
    expect(resolve(file('broker.id=5\nnode.id=5')).nodeId).toBe(5);
    const err = configError(() => resolve(file('broker.id=5\nnode.id=6')));
    expect(err.message).toMatch(/broker\.id \(5\) and node\.id \(6\) must be equal/);
  });

  it('names the key, the value and what is expected for a bad value', () => {
    const err = configError(() => resolve(file('\nnum.partitions=three')));
    expect(err.problems).toHaveLength(1);
    expect(err.message).toContain("Invalid value 'three' for configuration 'num.partitions'");
    expect(err.message).toContain('expected an integer');
    expect(err.message).toContain('server.properties line 2');
    expect(configError(() => resolve(file('num.partitions=0'))).message).toMatch(/'num\.partitions': expected at least 1/);
    expect(configError(() => resolve(file('log.message.timestamp.type=createtime'))).message).toMatch(/one of CreateTime, LogAppendTime/);
    expect(configError(() => resolve(file('auto.create.topics.enable=yes'))).message).toMatch(/expected true or false/);
    expect(configError(() => resolve(file('message.max.bytes=2147483648'))).message).toMatch(/between -2147483648 and 2147483647/);
    expect(configError(() => resolve(file('log.retention.ms=0'))).message).toMatch(/-1 \(unlimited\) or at least 1/);
    expect(configError(() => resolve(file('log.cleanup.policy=remove'))).message).toMatch(/list of compact, delete/);
  });

  it('refuses an unknown key and suggests the likely one', () => {
    const err = configError(() => resolve(file('num.partition=3')));
    expect(err.message).toContain("Unknown configuration 'num.partition' (value '3'); did you mean 'num.partitions'?");
    expect(configError(() => resolve(file('totally.unrelated=1'))).message).toMatch(/docs\/broker\/configuration\.md/);
  });

  it('lists every problem at once', () => {
    const err = configError(() => resolve(file('a.b=1\nnum.partitions=x\nlog.segment.bytes=1')));
    expect(err.problems.map((p) => p.key)).toEqual(['a.b', 'num.partitions', 'log.segment.bytes']);
  });

  it('validates listeners: only PLAINTEXT, well-formed, advertised names must be bound', () => {
    expect(resolve(file('listeners=PLAINTEXT://127.0.0.1:0')).listeners[0]).toMatchObject({ host: '127.0.0.1', port: 0 });
    expect(resolve(file('listeners=plaintext://[::1]:9093')).listeners[0]).toMatchObject({ name: 'PLAINTEXT', host: '::1', port: 9093 });
    expect(configError(() => resolve(file('listeners=SSL://:9093'))).message).toMatch(/security protocol SSL .* not supported yet/);
    expect(configError(() => resolve(file('listeners=INTERNAL://:9093'))).message).toMatch(/listener name INTERNAL/);
    expect(configError(() => resolve(file('listeners=localhost:9092'))).message).toMatch(/not of the form NAME:\/\/host:port/);
    expect(configError(() => resolve(file('listeners=PLAINTEXT://:70000'))).message).toMatch(/above 65535/);
    expect(configError(() => resolve(file('listeners=PLAINTEXT://:1,PLAINTEXT://:2'))).message).toMatch(/appears twice/);
    expect(configError(() => resolve(file('advertised.listeners=PLAINTEXT://0.0.0.0:9092'))).message).toMatch(/wildcard/);
    expect(configError(() => resolve(file('advertised.listeners=PLAINTEXT://h:0'))).message).toMatch(/port 0/);
    const adv = resolve(file('advertised.listeners=PLAINTEXT://broker.example:19092'));
    expect(adv.advertisedListeners).toEqual([{ name: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'broker.example', port: 19092 }]);
  });

  it('accepts typed JavaScript values programmatically and skips undefined', () => {
    const c = resolve(prog({ 'num.partitions': 4, 'auto.create.topics.enable': false, 'log.dirs': ['/x'], 'log.retention.ms': undefined }));
    expect(c.get('num.partitions')).toBe(4);
    expect(c.get('auto.create.topics.enable')).toBe(false);
    expect(c.logDirs).toEqual(['/x']);
    expect(c.source('num.partitions')).toBe('programmatic');
    expect(configError(() => resolve(prog({ 'num.partitions': 1.5 }))).message).toMatch(/'num\.partitions': expected an integer/);
  });

  it('maps broker log.* keys to topic-level defaults', () => {
    const d = topicConfigDefaults(resolve(file('log.retention.minutes=10\nlog.segment.bytes=4096\nmessage.max.bytes=100\nlog.cleanup.policy=compact')));
    expect(d['retention.ms']).toBe(600_000);
    expect(d['segment.bytes']).toBe(4096);
    expect(d['max.message.bytes']).toBe(100);
    expect(d['cleanup.policy']).toEqual(['compact']);
    expect(d['segment.ms']).toBe(168 * 3_600_000);
    expect(d['retention.bytes']).toBe(-1);
  });

  it("gives storage's LogConfig defaults unchanged when no log.* key is set, and applies those set", () => {
    expect(resolve().defaultLogConfig).toEqual(DEFAULT_LOG_CONFIG);
    const c = resolve(file('log.retention.minutes=1\nlog.cleanup.policy=compact\nlog.segment.bytes=1024\nlog.message.timestamp.type=LogAppendTime'));
    expect(c.defaultLogConfig).toMatchObject({ retentionMs: 60_000, cleanupPolicy: ['compact'], segmentBytes: 1024, messageTimestampType: 'LogAppendTime' });
  });

  it('refuses log.* keys that contradict each other as topic defaults', () => {
    const err = configError(() => resolve(file('log.cleaner.min.compaction.lag.ms=10\nlog.cleaner.max.compaction.lag.ms=5')));
    expect(err.message).toMatch(/log\.\* keys are inconsistent: .*min\.compaction\.lag\.ms/);
  });

  it('describes every key with its source, printing Long.MAX as Kafka does', () => {
    const entries = resolve(file('num.partitions=2')).describe();
    expect(entries).toHaveLength(BROKER_CONFIG_DEFS.length);
    expect(entries.find((e) => e.name === 'num.partitions')).toMatchObject({ value: '2', source: 'file' });
    expect(entries.find((e) => e.name === 'log.flush.interval.messages')!.value).toBe('9223372036854775807');
    expect(entries.find((e) => e.name === 'log.roll.ms')!.value).toBeNull();
  });
});
