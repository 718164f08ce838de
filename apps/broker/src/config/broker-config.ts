import { resolve as resolvePath } from 'node:path';
import { isStorageError, type LogConfig } from '@tributary/storage';
import type { ConfigDef, ConfigValue } from './config-def.js';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { BROKER_CONFIG_DEFS, CONFIG_DEFS_BY_NAME, type BrokerConfigName } from './definitions.js';
import {
  listenerPrefixedKey,
  parseListenerPrefixedKey,
  parseListeners,
  parseProtocolMap,
  type ListenerConfigName,
  type ListenerSpec,
  type MechanismConfigName,
  type SecurityProtocol,
} from './listeners.js';
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
    /** listener.name.<listener>.[<mechanism>.]<key> values, by their normalised key (listenerPrefixedKey). */
    private readonly listenerSlots: ReadonlyMap<string, Slot>,
    cwd: string,
  ) {
    const v = <K extends BrokerConfigName>(k: K) => this.get(k);
    this.nodeId = v('node.id');
    const protocols = mustParseProtocolMap(v('listener.security.protocol.map'));
    this.listeners = mustParseListeners(v('listeners'), 'listeners', protocols);
    const advertised = v('advertised.listeners');
    this.advertisedListeners = advertised === null ? null : mustParseListeners(advertised, 'advertised.listeners', protocols);
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
    const listenerSlots = new Map<string, Slot>();
    for (const def of BROKER_CONFIG_DEFS as readonly ConfigDef[]) {
      // Defaults are trusted: a unit test parses and validates every one.
      const parsed = def.default === null ? null : parseValue(def.type, def.default);
      slots.set(def.name, { value: parsed && parsed.ok ? parsed.value : null, source: 'default' });
    }
    for (const layer of layers) {
      for (const { key, value, line } of layer.entries) {
        const origin = line === undefined ? layer.origin : `${layer.origin} line ${line}`;
        if (value === undefined || value === null) continue; // programmatic "leave at default"
        // listener.name.<listener>.[<mechanism>.]<key>: a security key set for one listener.
        const prefixed = CONFIG_DEFS_BY_NAME.has(key) ? undefined : parseListenerPrefixedKey(key);
        const def = CONFIG_DEFS_BY_NAME.get(prefixed?.key ?? key);
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
        if (prefixed) listenerSlots.set(listenerPrefixedKey(prefixed.listener, prefixed.key, prefixed.mechanism), { value: parsed.value, source: layer.source });
        else slots.set(key, { value: parsed.value, source: layer.source });
      }
    }
    if (problems.length === 0) problems.push(...crossKeyProblems(slots, listenerSlots));
    if (problems.length > 0) throw new ConfigError(problems);
    // broker.id is the older name of node.id: an explicit broker.id alone sets the node id.
    const brokerId = slots.get('broker.id')!;
    const nodeId = slots.get('node.id')!;
    if (brokerId.value !== null && nodeId.source === 'default') slots.set('node.id', { ...brokerId });
    try {
      return new BrokerConfig(slots, listenerSlots, cwd);
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

  /**
   * A security key as one listener sees it, Kafka's way: `listener.name.<listener>.<mechanism>.<key>`
   * (for the mechanism-scoped keys, when a mechanism is given), else `listener.name.<listener>.<key>`,
   * else the key itself.
   */
  forListener<K extends ListenerConfigName>(listenerName: string, name: K, mechanism?: K extends MechanismConfigName ? string : never): BrokerConfigValues[K] {
    const scoped = mechanism === undefined ? undefined : this.listenerSlots.get(listenerPrefixedKey(listenerName, name, mechanism));
    const slot = scoped ?? this.listenerSlots.get(listenerPrefixedKey(listenerName, name));
    return slot ? (slot.value as BrokerConfigValues[K]) : this.get(name);
  }

  /** The key a listener's value of a security key came from (for error messages naming the key to fix). */
  keyForListener(listenerName: string, name: ListenerConfigName, mechanism?: string): string {
    if (mechanism !== undefined && this.listenerSlots.has(listenerPrefixedKey(listenerName, name, mechanism))) {
      return listenerPrefixedKey(listenerName, name, mechanism);
    }
    return this.listenerSlots.has(listenerPrefixedKey(listenerName, name)) ? listenerPrefixedKey(listenerName, name) : name;
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
function crossKeyProblems(slots: ReadonlyMap<string, Slot>, listenerSlots: ReadonlyMap<string, Slot>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  // Every listener name needs a security protocol, and a listener.name.* key a listener to apply to.
  const protocols = mustParseProtocolMap(slots.get('listener.security.protocol.map')!.value as string);
  const listenerNames: string[] = [];
  for (const role of ['listeners', 'advertised.listeners'] as const) {
    const text = slots.get(role)!.value as string | null;
    if (text === null) continue;
    const r = parseListeners(text, role, protocols);
    if (!r.ok) problems.push({ key: role, message: `${role}: ${r.problem}` });
    else if (role === 'listeners') listenerNames.push(...r.listeners.map((l) => l.name));
  }
  if (problems.length > 0) return problems;
  for (const key of listenerSlots.keys()) {
    const name = parseListenerPrefixedKey(key)!.listener;
    if (!listenerNames.includes(name)) {
      problems.push({ key, message: `${key} names listener ${name}, which is not one of the listeners (${listenerNames.join(', ')})` });
    }
  }
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
    const bound = new Set(mustParseListeners(listeners, 'listeners', protocols).map((l) => l.name));
    for (const a of mustParseListeners(advertised, 'advertised.listeners', protocols)) {
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

function mustParseListeners(
  text: string,
  role: 'listeners' | 'advertised.listeners',
  protocols: ReadonlyMap<string, SecurityProtocol>,
): ListenerSpec[] {
  const r = parseListeners(text, role, protocols);
  if (!r.ok) throw new Error(`${role} passed validation but does not parse: ${r.problem}`);
  return r.listeners;
}

function mustParseProtocolMap(text: string): ReadonlyMap<string, SecurityProtocol> {
  const r = parseProtocolMap(text);
  if (!r.ok) throw new Error(`listener.security.protocol.map passed validation but does not parse: ${r.problem}`);
  return r.map;
}

function printable(value: unknown): string {
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}
