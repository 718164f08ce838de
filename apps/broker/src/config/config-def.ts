/**
 * The shape of one broker configuration definition. The table itself is in definitions.ts; parsing
 * of single values in value-types.ts; validators in validators.ts.
 */

/** Kafka's ConfigDef types, by the names Kafka's documentation uses (lower-cased). */
export type ConfigType = 'boolean' | 'string' | 'short' | 'int' | 'long' | 'double' | 'list' | 'password';

export type Importance = 'high' | 'medium' | 'low';

/** A parsed value: numbers for short/int/long/double, strings for string/password, arrays for list. */
export type ConfigValue = boolean | number | string | readonly string[] | null;

/** Checks a parsed (non-null) value. */
export interface Validator {
  /** What the validator accepts, for the generated documentation. */
  readonly describe: string;
  /** undefined when the value is fine, else what is wrong with it ("expected at least 1"). */
  problem(value: Exclude<ConfigValue, null>): string | undefined;
}

export interface ConfigDef {
  /** Kafka's key name. */
  readonly name: string;
  readonly type: ConfigType;
  /**
   * The default written as it would appear in server.properties, so it goes through the same parser
   * and validator as a user's value (a test checks every default parses); null means "unset", which
   * for some keys lets another key decide (log.retention.ms falls back to the minutes/hours keys).
   */
  readonly default: string | null;
  readonly validator?: Validator;
  readonly importance: Importance;
  /** One line in our own words. */
  readonly doc: string;
  /** Set when our default differs from Apache Kafka's on purpose: Kafka's default (see docs/adr/). */
  readonly kafkaDefault?: string;
  /** Accepted so Kafka's server.properties files load unchanged, but has no effect here: why. */
  readonly ignored?: string;
  /** Values that must not be logged or echoed back (password type). */
  readonly sensitive?: boolean;
}
