import type { Validator } from './config-def.js';
import { parseListenerAddresses, parseProtocolMap } from './listeners.js';

/** A validator whose only complaint is "expected <describe>". */
function simple(describe: string, accepts: (v: unknown) => boolean): Validator {
  return { describe, problem: (v) => (accepts(v) ? undefined : `expected ${describe}`) };
}

/** Kafka's ConfigDef.Range.atLeast. */
export function atLeast(min: number): Validator {
  return simple(`at least ${min}`, (v) => typeof v === 'number' && v >= min);
}

/** Kafka's ConfigDef.Range.between (inclusive). */
export function between(min: number, max: number): Validator {
  return simple(`between ${min} and ${max}`, (v) => typeof v === 'number' && v >= min && v <= max);
}

/** Kafka's ConfigDef.ValidString: one of the given strings, case-sensitive like Kafka's. */
export function oneOf(...allowed: string[]): Validator {
  return simple(`one of ${allowed.join(', ')}`, (v) => typeof v === 'string' && allowed.includes(v));
}

/** Kafka's ConfigDef.ValidList: every element one of the given strings, at least one element. */
export function listOf(...allowed: string[]): Validator {
  return simple(
    `a non-empty list of ${allowed.join(', ')}`,
    (v) => Array.isArray(v) && v.length > 0 && v.every((x) => allowed.includes(x)),
  );
}

/** -1 (unlimited) or a positive number, as Kafka requires of the retention keys. */
export const unlimitedOrPositive: Validator = simple(
  '-1 (unlimited) or at least 1',
  (v) => typeof v === 'number' && (v === -1 || v >= 1),
);

export const nonEmptyList: Validator = simple(
  'a non-empty list of non-empty entries',
  (v) => Array.isArray(v) && v.length > 0 && v.every((x) => x !== ''),
);

/**
 * Kafka writes cluster ids as the URL-safe base64 of a 16-byte UUID (22 characters); we accept any
 * id made of those characters so ids produced by kafka-storage.sh random-uuid work unchanged.
 */
export const clusterIdFormat: Validator = simple(
  '1 to 64 letters, digits, "-" or "_" (e.g. the output of kafka-storage.sh random-uuid)',
  (v) => typeof v === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(v),
);

/**
 * A listener list Tributary can bind: see listeners.ts for the rules. Whether each name has a
 * security protocol depends on listener.security.protocol.map, so BrokerConfig checks that.
 */
export function listenerList(role: 'listeners' | 'advertised.listeners'): Validator {
  return {
    describe: 'comma-separated NAME://host:port entries with distinct names, each name mapped by listener.security.protocol.map',
    problem: (v) => {
      if (typeof v !== 'string') return 'expected a string';
      const parsed = parseListenerAddresses(v, role);
      return parsed.ok ? undefined : parsed.problem;
    },
  };
}

/** listener.security.protocol.map: NAME:PROTOCOL pairs (listeners.ts). */
export const protocolMap: Validator = {
  describe: 'comma-separated NAME:PROTOCOL pairs, PROTOCOL one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL',
  problem: (v) => {
    if (typeof v !== 'string') return 'expected a string';
    const parsed = parseProtocolMap(v);
    return parsed.ok ? undefined : parsed.problem;
  },
};
