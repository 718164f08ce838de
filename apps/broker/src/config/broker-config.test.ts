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

  it('validates listeners: mapped to a security protocol, well-formed, advertised names must be bound', () => {
    expect(resolve(file('listeners=PLAINTEXT://127.0.0.1:0')).listeners[0]).toMatchObject({ host: '127.0.0.1', port: 0 });
    expect(resolve(file('listeners=plaintext://[::1]:9093')).listeners[0]).toMatchObject({ name: 'PLAINTEXT', host: '::1', port: 9093 });
    expect(resolve(file('listeners=PLAINTEXT://:9092,SASL_PLAINTEXT://:9093,SSL://:9094,SASL_SSL://:9095')).listeners.map((l) => l.securityProtocol)).toEqual([
      'PLAINTEXT',
      'SASL_PLAINTEXT',
      'SSL',
      'SASL_SSL',
    ]);
    expect(configError(() => resolve(file('listeners=INTERNAL://:9093'))).message).toMatch(
      /listener name INTERNAL has no security protocol in listener.security.protocol.map/,
    );
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

describe('listener security keys', () => {
  it('maps custom listener names through listener.security.protocol.map, which replaces the default', () => {
    const c = resolve(file('listeners=INTERNAL://:9093,EXTERNAL://:9094\nlistener.security.protocol.map=INTERNAL:SSL,external:sasl_plaintext'));
    expect(c.listeners.map((l) => [l.name, l.securityProtocol])).toEqual([
      ['INTERNAL', 'SSL'],
      ['EXTERNAL', 'SASL_PLAINTEXT'],
    ]);
    // The default map no longer applies once the map is set.
    expect(configError(() => resolve(file('listeners=PLAINTEXT://:9092\nlistener.security.protocol.map=INTERNAL:SSL'))).message).toMatch(
      /listener name PLAINTEXT has no security protocol/,
    );
    expect(configError(() => resolve(file('listener.security.protocol.map=INTERNAL:TLS'))).message).toMatch(/security protocol "TLS"/);
    expect(configError(() => resolve(file('listener.security.protocol.map=A:SSL,a:SSL'))).message).toMatch(/appears twice/);
    expect(configError(() => resolve(file('advertised.listeners=INTERNAL://h:1'))).message).toMatch(/INTERNAL has no security protocol/);
  });

  it('reads listener.name.<listener>.[<mechanism>.]<key>, most specific first, else the plain key', () => {
    const c = resolve(
      file(
        [
          'listeners=SASL_SSL://:9093,SASL_PLAINTEXT://:9094',
          'connections.max.reauth.ms=1000',
          'listener.name.sasl_ssl.connections.max.reauth.ms=2000',
          'listener.name.sasl_ssl.scram-sha-256.connections.max.reauth.ms=3000',
          'listener.name.SASL_SSL.ssl.client.auth=required',
          'listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN',
        ].join('\n'),
      ),
    );
    expect(c.forListener('SASL_SSL', 'connections.max.reauth.ms', 'SCRAM-SHA-256')).toBe(3000);
    expect(c.forListener('SASL_SSL', 'connections.max.reauth.ms', 'PLAIN')).toBe(2000);
    expect(c.forListener('SASL_PLAINTEXT', 'connections.max.reauth.ms', 'PLAIN')).toBe(1000);
    expect(c.keyForListener('SASL_SSL', 'connections.max.reauth.ms', 'SCRAM-SHA-256')).toBe('listener.name.sasl_ssl.scram-sha-256.connections.max.reauth.ms');
    expect(c.keyForListener('SASL_PLAINTEXT', 'connections.max.reauth.ms')).toBe('connections.max.reauth.ms');
    expect(c.forListener('SASL_SSL', 'ssl.client.auth')).toBe('required');
    expect(c.forListener('SASL_PLAINTEXT', 'ssl.client.auth')).toBe('none');
    expect(c.forListener('SASL_PLAINTEXT', 'sasl.enabled.mechanisms')).toEqual(['PLAIN']);
    expect(c.forListener('SASL_SSL', 'sasl.enabled.mechanisms')).toEqual(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
  });

  it('validates listener-prefixed values like the plain key, names unknown listeners, and hides secrets', () => {
    expect(configError(() => resolve(file('listener.name.plaintext.ssl.client.auth=maybe'))).message).toMatch(
      /listener.name.plaintext.ssl.client.auth.*one of required, requested, none/,
    );
    expect(configError(() => resolve(file('listener.name.other.ssl.client.auth=required'))).message).toMatch(
      /names listener OTHER, which is not one of the listeners \(PLAINTEXT\)/,
    );
    expect(configError(() => resolve(file('listener.name.plaintext.log.retention.ms=1'))).message).toMatch(/Unknown configuration 'listener.name.plaintext.log.retention.ms'/);
    // Only the mechanism-scoped keys take a mechanism, and only a Kafka mechanism name.
    expect(configError(() => resolve(file('listener.name.plaintext.plain.ssl.client.auth=none'))).message).toMatch(/Unknown configuration/);
    expect(configError(() => resolve(file('listener.name.plaintext.md5.sasl.jaas.config=x'))).message).toMatch(/Unknown configuration/);
    const c = resolve(file('listener.name.plaintext.plain.sasl.jaas.config=secret-text\nsasl.jaas.config=other-secret'));
    expect(c.forListener('PLAINTEXT', 'sasl.jaas.config', 'PLAIN')).toBe('secret-text');
    expect(c.forListener('PLAINTEXT', 'sasl.jaas.config', 'SCRAM-SHA-256')).toBe('other-secret');
    expect(JSON.stringify(c.explicitSettings())).not.toMatch(/secret/);
    expect(c.describe().find((e) => e.name === 'sasl.jaas.config')).toMatchObject({ value: null, sensitive: true });
  });

  it('keeps Kafka names and documents where the defaults differ', () => {
    const c = resolve();
    expect(c.get('listener.security.protocol.map')).toBe('SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT');
    expect(c.get('sasl.enabled.mechanisms')).toEqual(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
    expect(c.get('sasl.server.max.receive.size')).toBe(524288);
    expect(c.get('connections.max.reauth.ms')).toBe(0);
    expect(c.get('ssl.client.auth')).toBe('none');
    expect(c.get('ssl.enabled.protocols')).toEqual(['TLSv1.2', 'TLSv1.3']);
    const differing = BROKER_CONFIG_DEFS.filter((d) => 'kafkaDefault' in d).map((d) => d.name);
    expect(differing).toEqual(expect.arrayContaining(['sasl.enabled.mechanisms', 'ssl.keystore.type', 'ssl.truststore.type']));
  });
});
