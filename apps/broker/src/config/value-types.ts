import type { ConfigType, ConfigValue } from './config-def.js';

/**
 * Turns a raw value (a string from server.properties or --override, or a JS value given to
 * startBroker) into the typed value for a config type, the way Kafka's ConfigDef.parseType does:
 * strings are trimmed, booleans are case-insensitive, lists are comma-separated. Returns an
 * explanation of what was expected when the value does not fit the type.
 */
export type ParseResult = { ok: true; value: ConfigValue } | { ok: false; expected: string };

const INT_RANGE = { short: [-32768, 32767], int: [-2147483648, 2147483647] } as const;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^[+-]?\d+$/;

/** What each type accepts, in the words error messages and the docs use. */
export const TYPE_EXPECTATION: Record<ConfigType, string> = {
  boolean: 'true or false',
  string: 'a string',
  password: 'a string',
  short: 'an integer between -32768 and 32767',
  int: 'an integer between -2147483648 and 2147483647',
  long: 'an integer between -9223372036854775808 and 9223372036854775807',
  double: 'a number',
  list: 'a comma-separated list',
};

export function parseValue(type: ConfigType, raw: unknown): ParseResult {
  const fail: ParseResult = { ok: false, expected: TYPE_EXPECTATION[type] };
  switch (type) {
    case 'boolean': {
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      if (typeof raw !== 'string') return fail;
      const t = raw.trim().toLowerCase();
      if (t === 'true') return { ok: true, value: true };
      if (t === 'false') return { ok: true, value: false };
      return fail;
    }
    case 'string':
    case 'password':
      if (typeof raw === 'string') return { ok: true, value: raw.trim() };
      if (typeof raw === 'number' || typeof raw === 'boolean') return { ok: true, value: String(raw) };
      return fail;
    case 'short':
    case 'int': {
      const [lo, hi] = INT_RANGE[type];
      const n = toInteger(raw);
      if (n === undefined || n < BigInt(lo) || n > BigInt(hi)) return fail;
      return { ok: true, value: Number(n) };
    }
    case 'long': {
      // Longs become JS numbers: every long config is a size, a count or a duration, and above 2^53
      // they only ever mean "practically unlimited" (Long.MAX_VALUE), which a float still conveys.
      const n = toInteger(raw);
      if (n === undefined || n < LONG_MIN || n > LONG_MAX) return fail;
      return { ok: true, value: Number(n) };
    }
    case 'double': {
      if (typeof raw === 'number') return Number.isFinite(raw) ? { ok: true, value: raw } : fail;
      if (typeof raw !== 'string' || raw.trim() === '') return fail;
      const n = Number(raw.trim());
      return Number.isFinite(n) ? { ok: true, value: n } : fail;
    }
    case 'list': {
      if (Array.isArray(raw)) {
        if (!raw.every((x) => typeof x === 'string')) return fail;
        return { ok: true, value: raw.map((x: string) => x.trim()) };
      }
      if (typeof raw !== 'string') return fail;
      const t = raw.trim();
      return { ok: true, value: t === '' ? [] : t.split(',').map((x) => x.trim()) };
    }
  }
}

function toInteger(raw: unknown): bigint | undefined {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) ? BigInt(raw) : undefined;
  if (typeof raw === 'bigint') return raw;
  if (typeof raw !== 'string') return undefined;
  const t = raw.trim();
  return INTEGER_TEXT.test(t) ? BigInt(t) : undefined;
}

/** Renders a typed value back to properties syntax (for docs, logs and DescribeConfigs). */
export function formatValue(value: ConfigValue): string | null {
  if (value === null) return null;
  if (Array.isArray(value)) return value.join(',');
  // Long.MAX_VALUE became the float 2^63 when parsed; print it the way it was written.
  if (typeof value === 'number' && value >= 2 ** 63) return LONG_MAX.toString();
  return String(value);
}
