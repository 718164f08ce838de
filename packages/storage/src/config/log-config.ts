import { StorageError } from '../errors.js';

/** Kafka's Long.MAX_VALUE as a config value (e.g. flush.messages "never"); comparisons with it just work. */
export const LONG_MAX = 9223372036854775807;
const INT_MAX = 2147483647;

export type CleanupPolicy = 'delete' | 'compact';
export type TimestampTypeName = 'CreateTime' | 'LogAppendTime';
export type CompressionTypeName = 'producer' | 'uncompressed' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/**
 * A topic's log configuration, Kafka's topic-level names as camelCase properties. Immutable: a
 * config change builds a new one (`parseLogConfig(map, base)`) and hands it to `log.updateConfig`.
 */
export interface LogConfig {
  readonly segmentBytes: number;
  readonly segmentMs: number;
  readonly segmentJitterMs: number;
  readonly segmentIndexBytes: number;
  readonly indexIntervalBytes: number;
  readonly retentionMs: number;
  readonly retentionBytes: number;
  readonly flushMessages: number;
  readonly flushMs: number;
  readonly cleanupPolicy: readonly CleanupPolicy[];
  readonly deleteRetentionMs: number;
  readonly minCleanableDirtyRatio: number;
  readonly minCompactionLagMs: number;
  readonly maxCompactionLagMs: number;
  readonly messageTimestampType: TimestampTypeName;
  readonly maxMessageBytes: number;
  readonly fileDeleteDelayMs: number;
  readonly preallocate: boolean;
  readonly compressionType: CompressionTypeName;
  readonly minInsyncReplicas: number;
  readonly uncleanLeaderElectionEnable: boolean;
  readonly messageTimestampBeforeMaxMs: number;
  readonly messageTimestampAfterMaxMs: number;
}

type Kind = 'int' | 'long' | 'double' | 'boolean' | 'list' | 'string';

interface ConfigDef {
  key: keyof LogConfig;
  kind: Kind;
  default: LogConfig[keyof LogConfig];
  /** Returns an error description, or undefined when the value is acceptable. */
  check?: (v: never) => string | undefined;
}

const atLeast = (min: number) => (v: number) => (v < min ? `must be at least ${min}` : undefined);
const between = (min: number, max: number) => (v: number) => (v < min || v > max ? `must be between ${min} and ${max}` : undefined);
const oneOf = (values: readonly string[]) => (v: string) => (values.includes(v) ? undefined : `must be one of ${values.join(', ')}`);

/**
 * Kafka's topic-level log configs (names, types, defaults and validators as in Kafka 3.x's LogConfig),
 * in the order Kafka documents them. segment.bytes keeps Kafka 3.x's small minimum so tests can roll.
 */
export const LOG_CONFIG_DEFS: Readonly<Record<string, ConfigDef>> = {
  'segment.bytes': { key: 'segmentBytes', kind: 'int', default: 1024 * 1024 * 1024, check: atLeast(14) },
  'segment.ms': { key: 'segmentMs', kind: 'long', default: 7 * 24 * 3600 * 1000, check: atLeast(1) },
  'segment.jitter.ms': { key: 'segmentJitterMs', kind: 'long', default: 0, check: atLeast(0) },
  'segment.index.bytes': { key: 'segmentIndexBytes', kind: 'int', default: 10 * 1024 * 1024, check: atLeast(4) },
  'index.interval.bytes': { key: 'indexIntervalBytes', kind: 'int', default: 4096, check: atLeast(0) },
  'retention.ms': { key: 'retentionMs', kind: 'long', default: 7 * 24 * 3600 * 1000, check: atLeast(-1) },
  'retention.bytes': { key: 'retentionBytes', kind: 'long', default: -1 },
  'flush.messages': { key: 'flushMessages', kind: 'long', default: LONG_MAX, check: atLeast(1) },
  'flush.ms': { key: 'flushMs', kind: 'long', default: LONG_MAX, check: atLeast(0) },
  'cleanup.policy': { key: 'cleanupPolicy', kind: 'list', default: ['delete'], check: (v: string[]) => v.map(oneOf(['delete', 'compact'])).find(Boolean) },
  'delete.retention.ms': { key: 'deleteRetentionMs', kind: 'long', default: 24 * 3600 * 1000, check: atLeast(0) },
  'min.cleanable.dirty.ratio': { key: 'minCleanableDirtyRatio', kind: 'double', default: 0.5, check: between(0, 1) },
  'min.compaction.lag.ms': { key: 'minCompactionLagMs', kind: 'long', default: 0, check: atLeast(0) },
  'max.compaction.lag.ms': { key: 'maxCompactionLagMs', kind: 'long', default: LONG_MAX, check: atLeast(1) },
  'message.timestamp.type': { key: 'messageTimestampType', kind: 'string', default: 'CreateTime', check: oneOf(['CreateTime', 'LogAppendTime']) },
  'max.message.bytes': { key: 'maxMessageBytes', kind: 'int', default: 1024 * 1024 + 12, check: atLeast(0) },
  'file.delete.delay.ms': { key: 'fileDeleteDelayMs', kind: 'long', default: 60000, check: atLeast(0) },
  preallocate: { key: 'preallocate', kind: 'boolean', default: false },
  'compression.type': {
    key: 'compressionType',
    kind: 'string',
    default: 'producer',
    check: oneOf(['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd']),
  },
  'min.insync.replicas': { key: 'minInsyncReplicas', kind: 'int', default: 1, check: atLeast(1) },
  'unclean.leader.election.enable': { key: 'uncleanLeaderElectionEnable', kind: 'boolean', default: false },
  'message.timestamp.before.max.ms': { key: 'messageTimestampBeforeMaxMs', kind: 'long', default: LONG_MAX, check: atLeast(0) },
  'message.timestamp.after.max.ms': { key: 'messageTimestampAfterMaxMs', kind: 'long', default: LONG_MAX, check: atLeast(0) },
};

export const LOG_CONFIG_NAMES: readonly string[] = Object.keys(LOG_CONFIG_DEFS);

function buildDefaults(): LogConfig {
  const out: Record<string, unknown> = {};
  for (const def of Object.values(LOG_CONFIG_DEFS)) out[def.key] = def.default;
  return Object.freeze(out) as unknown as LogConfig;
}

/** Every topic-level config at Kafka's default. */
export const DEFAULT_LOG_CONFIG: LogConfig = buildDefaults();

function invalid(name: string, value: string, why: string): StorageError {
  return new StorageError('INVALID_CONFIG', `Invalid value ${JSON.stringify(value)} for configuration ${name}: ${why}`);
}

const INTEGER = /^[+-]?\d+$/;
const DOUBLE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseValue(name: string, def: ConfigDef, raw: string): LogConfig[keyof LogConfig] {
  const value = raw.trim();
  switch (def.kind) {
    case 'int':
    case 'long': {
      if (!INTEGER.test(value)) throw invalid(name, raw, `expected ${def.kind === 'int' ? 'an int' : 'a long'}`);
      const n = Number(value);
      // Kafka's LONG range; the JS number is exact up to 2^53, enough for offsets, sizes and ms.
      const limit = def.kind === 'int' ? INT_MAX : LONG_MAX;
      if (n > limit || n < -limit - 1) throw invalid(name, raw, `out of range for ${def.kind === 'int' ? 'an int' : 'a long'}`);
      return n;
    }
    case 'double': {
      if (!DOUBLE.test(value)) throw invalid(name, raw, 'expected a double');
      return Number(value);
    }
    case 'boolean': {
      const lower = value.toLowerCase();
      if (lower !== 'true' && lower !== 'false') throw invalid(name, raw, 'expected true or false');
      return lower === 'true';
    }
    case 'list': {
      const items = value === '' ? [] : value.split(',').map((s) => s.trim().toLowerCase());
      if (items.some((s) => s === '')) throw invalid(name, raw, 'empty list element');
      return [...new Set(items)] as CleanupPolicy[];
    }
    case 'string':
      // Checked against the allowed values by the definition's validator.
      return value as TimestampTypeName;
  }
}

export interface ParseOptions {
  /** Keys this store does not know are an error unless this is set (then they are ignored). */
  ignoreUnknown?: boolean;
}

/**
 * Builds a LogConfig from Kafka-named string properties over a base config (defaults unless given).
 * Throws StorageError('INVALID_CONFIG') naming the key and value on anything Kafka would reject.
 */
export function parseLogConfig(props: Readonly<Record<string, string>>, base: LogConfig = DEFAULT_LOG_CONFIG, opts: ParseOptions = {}): LogConfig {
  const out: Record<string, unknown> = { ...base };
  for (const [name, raw] of Object.entries(props)) {
    const def = LOG_CONFIG_DEFS[name];
    if (!def) {
      if (opts.ignoreUnknown) continue;
      throw new StorageError('INVALID_CONFIG', `Unknown topic config name: ${name}`);
    }
    if (typeof raw !== 'string') throw invalid(name, String(raw), 'expected a string value');
    const value = parseValue(name, def, raw);
    const problem = def.check?.(value as never);
    if (problem) throw invalid(name, raw, problem);
    out[def.key] = value;
  }
  return validateLogConfig(Object.freeze(out) as unknown as LogConfig);
}

/** Cross-field rules Kafka checks (LogConfig.validateValues). */
export function validateLogConfig(cfg: LogConfig): LogConfig {
  if (cfg.minCompactionLagMs > cfg.maxCompactionLagMs) {
    throw new StorageError(
      'INVALID_CONFIG',
      `conflict topic config setting min.compaction.lag.ms (${cfg.minCompactionLagMs}) > max.compaction.lag.ms (${cfg.maxCompactionLagMs})`,
    );
  }
  if (cfg.cleanupPolicy.length === 0) {
    // Kafka 3.x accepts an empty policy list only in newer versions; an empty list here would mean
    // "keep forever", so refuse it rather than guess.
    throw new StorageError('INVALID_CONFIG', 'cleanup.policy must name delete, compact or both');
  }
  return cfg;
}

/** The config as Kafka-named strings (DescribeConfigs), Long.MAX printed exactly. */
export function logConfigToProperties(cfg: LogConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, def] of Object.entries(LOG_CONFIG_DEFS)) {
    const v = cfg[def.key];
    if (Array.isArray(v)) out[name] = v.join(',');
    else if (typeof v === 'number' && v >= LONG_MAX) out[name] = '9223372036854775807';
    else out[name] = String(v);
  }
  return out;
}

export function isCompacted(cfg: LogConfig): boolean {
  return cfg.cleanupPolicy.includes('compact');
}

export function isDeleteEnabled(cfg: LogConfig): boolean {
  return cfg.cleanupPolicy.includes('delete');
}
