import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A field exactly as a Kafka message spec writes it (only the attributes the generator reads). */
export interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  flexibleVersions?: string;
  tag?: number;
  ignorable?: boolean;
  default?: string | number | boolean;
  fields?: RawField[];
}

export interface RawStruct {
  name: string;
  versions?: string;
  fields: RawField[];
}

export interface RawSpec {
  /** File the spec came from, for error messages. */
  file: string;
  apiKey?: number;
  type: 'request' | 'response' | 'header' | 'data';
  name: string;
  validVersions: string;
  flexibleVersions: string;
  deprecatedVersions?: string;
  latestVersionUnstable?: boolean;
  fields: RawField[];
  commonStructs?: RawStruct[];
}

/**
 * Kafka's spec files are JSON with whole-line `//` comments (the license header and version notes).
 * Only lines whose first non-blank characters are `//` are removed, so `//` inside a string survives.
 */
export function stripComments(text: string): string {
  return text
    .split('\n')
    .map((line) => (/^\s*\/\//.test(line) ? '' : line))
    .join('\n');
}

export function parseSpec(file: string, text: string): RawSpec {
  let json: unknown;
  try {
    json = JSON.parse(stripComments(text));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  const spec = json as RawSpec;
  if (typeof spec.name !== 'string' || !Array.isArray(spec.fields)) {
    throw new Error(`${file}: not a message spec (no name or fields)`);
  }
  return { ...spec, file };
}

/** Loads every `*.json` spec in a folder, sorted by file name so output order is stable. */
export function loadSpecs(dir: string): RawSpec[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (files.length === 0) throw new Error(`no *.json message specs in ${dir}`);
  return files.map((f) => parseSpec(f, readFileSync(join(dir, f), 'utf8')));
}
