import type { BrokerConfig } from '../config/broker-config.js';
import { ConfigError, type ConfigProblem } from '../config/config-error.js';
import { usesSasl, usesTls, type ListenerSpec } from '../config/listeners.js';
import { parseJaasConfig, JaasSyntaxError, type JaasLoginModule } from './jaas.js';
import { IMPLEMENTED_MECHANISMS, isImplementedMechanism, type ImplementedMechanism } from './sasl/sasl-server.js';
import { resolveTlsSettings, type TlsListenerSettings } from './tls-settings.js';

export const PLAIN_LOGIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';
export const SCRAM_LOGIN_MODULE = 'org.apache.kafka.common.security.scram.ScramLoginModule';
/** PlainLoginModule's option prefix for a user: user_alice="alice-secret". */
const PLAIN_USER_PREFIX = 'user_';

/** The SASL side of a SASL_PLAINTEXT or SASL_SSL listener. */
export interface SaslListenerSettings {
  /** sasl.enabled.mechanisms for this listener, in the configured order (SaslHandshake lists them). */
  readonly mechanisms: readonly ImplementedMechanism[];
  /** PLAIN users and passwords from the listener's PlainLoginModule line. */
  readonly plainUsers: ReadonlyMap<string, string>;
  /** sasl.server.max.receive.size: the largest frame accepted until authentication completes. */
  readonly maxReceiveSize: number;
  /** connections.max.reauth.ms per mechanism; 0 = sessions do not expire. */
  readonly reauthMs: Readonly<Record<ImplementedMechanism, number>>;
}

/** How connections on one listener are secured. */
export interface ListenerSecurity {
  readonly listener: ListenerSpec;
  /** Null on PLAINTEXT and SSL listeners. */
  readonly sasl: SaslListenerSettings | null;
  /** Null on PLAINTEXT and SASL_PLAINTEXT listeners. */
  readonly tls: TlsListenerSettings | null;
}

export interface SecuritySetup {
  readonly listeners: ReadonlyMap<string, ListenerSecurity>;
  /** Settings that work but are probably not what was meant (logged at start-up). */
  readonly warnings: readonly string[];
}

/**
 * Resolves every listener's security from the configuration, reading key and certificate files.
 * Throws one ConfigError listing every problem, before the broker opens anything.
 */
export function resolveSecurity(config: BrokerConfig): SecuritySetup {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const listeners = new Map<string, ListenerSecurity>();
  for (const spec of config.listeners) {
    let sasl: SaslListenerSettings | null = null;
    let tls: TlsListenerSettings | null = null;
    if (usesSasl(spec.securityProtocol)) {
      const r = resolveSasl(config, spec.name);
      problems.push(...r.problems);
      warnings.push(...r.warnings);
      sasl = r.settings;
    }
    if (usesTls(spec.securityProtocol)) {
      const r = resolveTlsSettings(config, spec.name);
      if (r.ok) {
        tls = r.settings;
        warnings.push(...r.warnings);
      } else {
        problems.push(...r.problems);
      }
    }
    listeners.set(spec.name, { listener: spec, sasl, tls });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { listeners, warnings };
}

function resolveSasl(
  config: BrokerConfig,
  listener: string,
): { settings: SaslListenerSettings | null; problems: ConfigProblem[]; warnings: string[] } {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const mechanismsKey = config.keyForListener(listener, 'sasl.enabled.mechanisms');
  const mechanisms: ImplementedMechanism[] = [];
  for (const m of config.forListener(listener, 'sasl.enabled.mechanisms')) {
    if (isImplementedMechanism(m)) {
      if (!mechanisms.includes(m)) mechanisms.push(m);
      continue;
    }
    const hint = IMPLEMENTED_MECHANISMS.find((x) => x === m.toUpperCase());
    problems.push({
      key: mechanismsKey,
      message:
        `${mechanismsKey} names ${m} for listener ${listener}, which Tributary does not implement ` +
        `(${hint ? `did you mean ${hint}? ` : ''}it supports ${IMPLEMENTED_MECHANISMS.join(', ')})`,
    });
  }

  let plainUsers = new Map<string, string>();
  for (const mechanism of mechanisms) {
    const jaas = jaasFor(config, listener, mechanism, problems);
    if (jaas === undefined) continue;
    const expected = mechanism === 'PLAIN' ? PLAIN_LOGIN_MODULE : SCRAM_LOGIN_MODULE;
    if (jaas.module.loginModule !== expected) {
      // A line meant for this mechanism must name its module; a shared fallback line is simply not for it.
      if (jaas.scoped) problems.push({ key: jaas.key, message: `${jaas.key} must use ${expected}, not ${jaas.module.loginModule}` });
      continue;
    }
    if (mechanism === 'PLAIN') {
      plainUsers = new Map(
        [...jaas.module.options].filter(([k]) => k.startsWith(PLAIN_USER_PREFIX) && k.length > PLAIN_USER_PREFIX.length).map(([k, v]) => [k.slice(PLAIN_USER_PREFIX.length), v]),
      );
    }
  }
  if (mechanisms.includes('PLAIN') && plainUsers.size === 0 && problems.length === 0) {
    warnings.push(
      `listener ${listener} enables PLAIN but defines no PLAIN users, so every PLAIN login fails; set ` +
        `listener.name.${listener.toLowerCase()}.plain.sasl.jaas.config=${PLAIN_LOGIN_MODULE} required user_<name>="<password>";`,
    );
  }
  if (problems.length > 0) return { settings: null, problems, warnings };
  const reauth = (m: ImplementedMechanism) => config.forListener(listener, 'connections.max.reauth.ms', m);
  return {
    problems,
    warnings,
    settings: {
      mechanisms,
      plainUsers,
      maxReceiveSize: config.forListener(listener, 'sasl.server.max.receive.size'),
      reauthMs: { PLAIN: reauth('PLAIN'), 'SCRAM-SHA-256': reauth('SCRAM-SHA-256'), 'SCRAM-SHA-512': reauth('SCRAM-SHA-512') },
    },
  };
}

/**
 * The JAAS line for one mechanism of a listener: Kafka's listener.name.<l>.<mechanism>.sasl.jaas.config,
 * else (Tributary fallbacks) listener.name.<l>.sasl.jaas.config, else sasl.jaas.config.
 */
function jaasFor(
  config: BrokerConfig,
  listener: string,
  mechanism: ImplementedMechanism,
  problems: ConfigProblem[],
): { module: JaasLoginModule; key: string; scoped: boolean } | undefined {
  const text = config.forListener(listener, 'sasl.jaas.config', mechanism);
  if (text === null) return undefined;
  const key = config.keyForListener(listener, 'sasl.jaas.config', mechanism);
  try {
    return { module: parseJaasConfig(text), key, scoped: key.endsWith(`.${mechanism.toLowerCase()}.sasl.jaas.config`) };
  } catch (err) {
    if (!(err instanceof JaasSyntaxError)) throw err;
    // The value may hold passwords: name the key and the syntax problem only.
    if (!problems.some((p) => p.key === key)) problems.push({ key, message: `${key} is not a valid JAAS login module line: ${err.message}` });
    return undefined;
  }
}
