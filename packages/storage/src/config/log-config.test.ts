import { describe, expect, it } from 'vitest';
import { isStorageError } from '../errors.js';
import { DEFAULT_LOG_CONFIG, isCompacted, isDeleteEnabled, LOG_CONFIG_NAMES, logConfigToProperties, LONG_MAX, parseLogConfig } from './log-config.js';

const invalid = (e: unknown) => isStorageError(e, 'INVALID_CONFIG');

describe('LogConfig', () => {
  it("has Kafka's topic-level defaults", () => {
    expect(DEFAULT_LOG_CONFIG).toMatchObject({
      segmentBytes: 1073741824,
      segmentMs: 604800000,
      segmentIndexBytes: 10485760,
      indexIntervalBytes: 4096,
      retentionMs: 604800000,
      retentionBytes: -1,
      flushMessages: LONG_MAX,
      flushMs: LONG_MAX,
      cleanupPolicy: ['delete'],
      deleteRetentionMs: 86400000,
      minCleanableDirtyRatio: 0.5,
      minCompactionLagMs: 0,
      maxCompactionLagMs: LONG_MAX,
      messageTimestampType: 'CreateTime',
      maxMessageBytes: 1048588,
      fileDeleteDelayMs: 60000,
      segmentJitterMs: 0,
    });
    expect(LOG_CONFIG_NAMES).toContain('min.cleanable.dirty.ratio');
  });

  it('parses Kafka-named string properties over a base', () => {
    const cfg = parseLogConfig({
      'segment.bytes': '1048576',
      'retention.ms': '-1',
      'cleanup.policy': 'compact, delete',
      'min.cleanable.dirty.ratio': '0.25',
      'message.timestamp.type': 'LogAppendTime',
      preallocate: 'TRUE',
    });
    expect(cfg).toMatchObject({ segmentBytes: 1048576, retentionMs: -1, cleanupPolicy: ['compact', 'delete'], minCleanableDirtyRatio: 0.25, preallocate: true });
    expect(isCompacted(cfg) && isDeleteEnabled(cfg)).toBe(true);
    const updated = parseLogConfig({ 'retention.bytes': '1000' }, cfg);
    expect(updated).toMatchObject({ segmentBytes: 1048576, retentionBytes: 1000 });
    expect(Object.isFrozen(updated)).toBe(true);
  });

  it('rejects bad values with INVALID_CONFIG naming the key and value', () => {
    const cases: Record<string, string>[] = [
      { 'segment.bytes': 'big' },
      { 'segment.bytes': '10' },
      { 'segment.bytes': '3000000000' },
      { 'retention.ms': '1.5' },
      { 'cleanup.policy': 'compact,archive' },
      { 'cleanup.policy': '' },
      { 'min.cleanable.dirty.ratio': '1.5' },
      { 'message.timestamp.type': 'WallClock' },
      { 'flush.messages': '0' },
      { preallocate: 'yes' },
      { 'min.compaction.lag.ms': '10', 'max.compaction.lag.ms': '5' },
      { 'no.such.config': '1' },
    ];
    for (const props of cases) expect(() => parseLogConfig(props), JSON.stringify(props)).toThrow();
    for (const props of cases) {
      try {
        parseLogConfig(props);
      } catch (e) {
        expect(invalid(e)).toBe(true);
        expect((e as Error).message).toContain(Object.keys(props).at(-1)!.split('.')[0]!);
      }
    }
    expect(parseLogConfig({ 'no.such.config': '1' }, DEFAULT_LOG_CONFIG, { ignoreUnknown: true })).toEqual(DEFAULT_LOG_CONFIG);
  });

  it('prints back to Kafka-named strings, Long.MAX exactly', () => {
    const props = logConfigToProperties(parseLogConfig({ 'cleanup.policy': 'compact,delete' }));
    expect(props['flush.messages']).toBe('9223372036854775807');
    expect(props['cleanup.policy']).toBe('compact,delete');
    expect(parseLogConfig(props)).toEqual(parseLogConfig({ 'cleanup.policy': 'compact,delete' }));
  });
});
