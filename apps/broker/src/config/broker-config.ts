import { resolve as resolvePath } from 'node:path';
import { isStorageError, type LogConfig } from '@tributary/storage';
import type { ConfigDef, ConfigValue } from './config-def.js';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { BROKER_CONFIG_DEFS, CONFIG_DEFS_BY_NAME, type BrokerConfigName } from './definitions.js';
import { parseListeners, type ListenerSpec } from './listeners.js';
import { closestName } from './suggest.js';
import { brokerDefaultLogConfig } from './topic-defaults.js';
import { formatValue, parseValue } from './value-types.js';

/** Where a value came from; later sources win: file < override, and programmatic stands alone. */
export type ConfigSource = 'default' | 'file' | 'override' | 'programmatic';

/** One batch of raw key/value pairs from one place. */
export interface ConfigLayer {
  readonly source: Exclude<ConfigSource, 'default'>;
  /** Shown in error messages, e.g. the properties file path. */
  readonly origin: string;
  readonly entries: ReadonlyArray<{ readonly key: string; readonly value: unknown; readonly line?: number }>;
}

/** One key as DescribeConfigs needs it. */
export interface ConfigEntry {
  readonly name: BrokerConfigName;
  /** The value in properties syntax; null when unset (and for sensitive keys). */
  readonly value: string | null;
  readonly source: ConfigSource;
  readonly sensitive: boolean;
}

type Def = (typeof BROKER_CONFIG_DEFS)[number];
type ValueOfType<T> = T extends 'boolean'
  ? boolean
  : T extends 'list'
    ? readonly string[]
    : T extends 'string' | 'password'
      ? string
      : number;
/** The typed value of every key: nullable exactly when the key has no default. */
export type BrokerConfigValues = {
  [D in Def as D['name']]: D['default'] extends null ? ValueOfType<D['type']> | null : ValueOfType<D['type']>;
};

interface Slot {
  value: ConfigValue;
  source: ConfigSource;
}

const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;

/**
 * The broker's validated configuration: every defined key with its typed value and where it came
 * from, plus the values derived from several keys the way Kafka derives them (node.id/broker.id,
 * log.dirs/log.dir, the retention and roll precedence). Immutable.
 */
export class BrokerConfig {
  readonly nodeId: number;
  readonly listeners: readonly ListenerSpec[];
  /** Explicit advertised.listeners, or null: advertise the bound listeners. */
  readonly advertisedListeners: readonly ListenerSpec[] | null;
  /** Absolute data directories (log.dirs, else log.dir), resolved against the working directory. */
  readonly logDirs: readonly string[];
  readonly clusterId: string | null;
  /** log.retention.ms, else .minutes, else .hours, in ms; -1 for "forever". */
  readonly logRetentionMs: number;
  /** log.roll.ms, else log.roll.hours, in ms. */
  readonly logRollMs: number;
  /** log.flush.interval.ms, else log.flush.scheduler.interval.ms. */
  readonly logFlushIntervalMs: number;
  /** log.roll.jitter.ms, else log.roll.jitter.hours, in ms. */
  readonly logRollJitterMs: number;
  /** The topic-level defaults (from the log.* keys) as storage's LogConfig. */
  readonly defaultLogConfig: LogConfig;

  private constructor(
    private readonly slots: ReadonlyMap<string, Slot>,
    cwd: string,
  ) {
    const v = <K extends BrokerConfigName>(k: K) => this.get(k);
    this.nodeId = v('node.id');
    this.listeners = mustParseListeners(v('listeners'), 'listeners');
    const advertised = v('advertised.listeners');
    this.advertisedListeners = advertised === null ? null : mustParseListeners(advertised, 'advertised.listeners');
    this.logDirs = (v('log.dirs') ?? [v('log.dir')]).map((d) => resolvePath(cwd, d));
    this.clusterId = v('cluster.id');
    const retentionMs = v('log.retention.ms');
    const retentionMinutes = v('log.retention.minutes');
    const retention =
      retentionMs ?? (retentionMinutes !== null ? retentionMinutes * MS_PER_MINUTE : v('log.retention.hours') * MS_PER_HOUR);
    this.logRetentionMs = retention < 0 ? -1 : retention;
    this.logRollMs = v('log.roll.ms') ?? v('log.roll.hours') * MS_PER_HOUR;
    this.logFlushIntervalMs = v('log.flush.interval.ms') ?? v('log.flush.scheduler.interval.ms');
    this.logRollJitterMs = v('log.roll.jitter.ms') ?? v('log.roll.jitter.hours') * MS_PER_HOUR;
    this.defaultLogConfig = brokerDefaultLogConfig(this);
  }

  /**
   * Validates raw layers (later layers win) into a config. Throws ConfigError listing every unknown
   * key, unparsable or invalid value and inconsistency between keys.
   */
  static resolve(layers: readonly ConfigLayer[], cwd: string = process.cwd()): BrokerConfig {
    const problems: ConfigProblem[] = [];
    const slots = new Map<string, Slot>();
    for (const def of BROKER_CONFIG_DEFS as readonly ConfigDef[]) {
      // Defaults are trusted: a unit test parses and validates every one.
      const parsed = def.default === null ? null : parseValue(def.type, def.default);
      slots.set(def.name, { value: parsed && parsed.ok ? parsed.value : null, source: 'default' });
    }
    for (const layer of layers) {
      for (const { key, value, line } of layer.entries) {
        const origin = line === undefined ? layer.origin : `${layer.origin} line ${line}`;
        if (value === undefined || value === null) continue; // programmatic "leave at default"
        const def = CONFIG_DEFS_BY_NAME.get(key);
        if (!def) {
          const hint = closestName(key, CONFIG_DEFS_BY_NAME.keys());
          problems.push({
            key,
            origin,
            message:
              `Unknown configuration '${key}' (value '${printable(value)}')` +
              (hint ? `; did you mean '${hint}'?` : '; see docs/broker/configuration.md for the accepted keys'),
          });
          continue;
        }
        const parsed = parseValue(def.type, value);
        const problem = parsed.ok
          ? parsed.value !== null && def.validator
            ? def.validator.problem(parsed.value)
            : undefined
          : `expected ${parsed.expected}`;
        if (problem !== undefined || !parsed.ok) {
          problems.push({
            key,
            origin,
            message: `Invalid value '${def.sensitive ? '[hidden]' : printable(value)}' for configuration '${key}': ${problem}`,
          });
          continue;
        }
        slots.set(key, { value: parsed.value, source: layer.source });
      }
    }
    if (problems.length === 0) problems.push(...crossKeyProblems(slots));
    if (problems.length > 0) throw new ConfigError(problems);
    // broker.id is the older name of node.id: an explicit broker.id alone sets the node id.
    const brokerId = slots.get('broker.id')!;
    const nodeId = slots.get('node.id')!;
    if (brokerId.value !== null && nodeId.source === 'default') slots.set('node.id', { ...brokerId });
    try {
      return new BrokerConfig(slots, cwd);
    } catch (err) {
      // Storage's own cross-field checks on the topic defaults (e.g. min above max compaction lag).
      if (isStorageError(err, 'INVALID_CONFIG')) {
        throw new ConfigError([{ key: 'log.*', message: `the topic defaults set by the log.* keys are inconsistent: ${err.message}` }]);
      }
      throw err;
    }
  }

  /** The typed value of a key (its default when not set). */
  get<K extends BrokerConfigName>(name: K): BrokerConfigValues[K] {
    const slot = this.slots.get(name);
    if (!slot) throw new Error(`no broker config named ${name}`);
    return slot.value as BrokerConfigValues[K];
  }

  source(name: BrokerConfigName): ConfigSource {
    return this.slots.get(name)!.source;
  }

  /** Every key, in table order, for DescribeConfigs and the startup log. */
  describe(): ConfigEntry[] {
    return (BROKER_CONFIG_DEFS as readonly ConfigDef[]).map((def) => {
      const slot = this.slots.get(def.name)!;
      return {
        name: def.name as BrokerConfigName,
        value: def.sensitive ? null : formatValue(slot.value),
        source: slot.source,
        sensitive: def.sensitive === true,
      };
    });
  }

  /** Keys set explicitly that Tributary accepts for compatibility but ignores (named at start-up). */
  ignoredSettings(): BrokerConfigName[] {
    return (BROKER_CONFIG_DEFS as readonly ConfigDef[])
      .filter((d) => d.ignored !== undefined && this.slots.get(d.name)!.source !== 'default')
      .map((d) => d.name as BrokerConfigName);
  }

  /** Keys set explicitly, as `key=value` strings (what the startup log line shows). */
  explicitSettings(): Record<string, string | null> {
    const out: Record<string, string | null> = {};
    for (const e of this.describe()) if (e.source !== 'default') out[e.name] = e.sensitive ? '[hidden]' : e.value;
    return out;
  }
}

/** Checks that need more than one key. */
function crossKeyProblems(slots: ReadonlyMap<string, Slot>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const brokerId = slots.get('broker.id')!;
  const nodeId = slots.get('node.id')!;
  if (brokerId.value !== null && nodeId.source !== 'default' && brokerId.value !== nodeId.value) {
    problems.push({
      key: 'broker.id',
      message: `broker.id (${brokerId.value}) and node.id (${nodeId.value}) must be equal when both are set`,
    });
  }
  const listeners = slots.get('listeners')!.value as string;
  const advertised = slots.get('advertised.listeners')!.value as string | null;
  if (advertised !== null) {
    const bound = new Set(mustParseListeners(listeners, 'listeners').map((l) => l.name));
    for (const a of mustParseListeners(advertised, 'advertised.listeners')) {
      if (!bound.has(a.name)) {
        problems.push({
          key: 'advertised.listeners',
          message: `advertised.listeners names ${a.name}, which is not one of the listeners (${[...bound].join(', ')})`,
        });
      }
    }
  }
  const minSession = slots.get('group.min.session.timeout.ms')!.value as number;
  const maxSession = slots.get('group.max.session.timeout.ms')!.value as number;
  if (minSession > maxSession) {
    problems.push({
      key: 'group.min.session.timeout.ms',
      message: `group.min.session.timeout.ms (${minSession}) is above group.max.session.timeout.ms (${maxSession})`,
    });
  }
  return problems;
}

function mustParseListeners(text: string, role: 'listeners' | 'advertised.listeners'): ListenerSpec[] {
  const r = parseListeners(text, role);
  if (!r.ok) throw new Error(`${role} passed validation but does not parse: ${r.problem}`);
  return r.listeners;
}

function printable(value: unknown): string {
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}
