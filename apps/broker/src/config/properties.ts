/**
 * A reader for Java's .properties format (java.util.Properties.load), which Kafka's
 * server.properties uses: `key=value`, `key: value` or `key value`; `#` and `!` comment lines;
 * a line ending in an odd number of backslashes continues on the next line (whose leading
 * whitespace is dropped); escapes \t \n \r \f \uXXXX, and a backslash before any other character
 * stands for that character. Files are read as UTF-8 (Java reads ISO-8859-1, so only non-ASCII
 * text without \u escapes differs, and UTF-8 is what editors write today).
 */

export interface PropertyEntry {
  readonly key: string;
  readonly value: string;
  /** 1-based line on which the entry starts, for error messages. */
  readonly line: number;
}

/** A malformed \u escape, the one thing Java's loader refuses. */
export class PropertiesSyntaxError extends Error {
  override readonly name = 'PropertiesSyntaxError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

const WHITESPACE = new Set([' ', '\t', '\f']);

/** Entries in file order; a repeated key appears twice (the caller decides; Java keeps the last). */
export function parseProperties(text: string): PropertyEntry[] {
  const natural = text.split(/\r\n|\r|\n/);
  const entries: PropertyEntry[] = [];
  for (let i = 0; i < natural.length; i++) {
    const startLine = i + 1;
    let line = stripLeading(natural[i]!);
    if (line === '' || line[0] === '#' || line[0] === '!') continue;
    // Join continuation lines into one logical line.
    while (endsWithOddBackslashes(line) && i + 1 < natural.length) {
      line = line.slice(0, -1) + stripLeading(natural[++i]!);
    }
    if (endsWithOddBackslashes(line)) line = line.slice(0, -1); // a trailing "\" on the last line
    const { rawKey, rawValue } = splitKeyValue(line);
    entries.push({ key: unescape(rawKey, startLine), value: unescape(rawValue, startLine), line: startLine });
  }
  return entries;
}

function stripLeading(s: string): string {
  let i = 0;
  while (i < s.length && WHITESPACE.has(s[i]!)) i++;
  return s.slice(i);
}

function endsWithOddBackslashes(s: string): boolean {
  let n = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/** The key ends at the first unescaped '=', ':' or whitespace; one separator may follow. */
function splitKeyValue(line: string): { rawKey: string; rawValue: string } {
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '=' || c === ':' || WHITESPACE.has(c)) break;
    i++;
  }
  const rawKey = line.slice(0, Math.min(i, line.length));
  let j = i;
  while (j < line.length && WHITESPACE.has(line[j]!)) j++;
  if (j < line.length && (line[j] === '=' || line[j] === ':')) j++;
  while (j < line.length && WHITESPACE.has(line[j]!)) j++;
  return { rawKey, rawValue: line.slice(j) };
}

const SIMPLE_ESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescape(s: string, line: number): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = s[++i];
    if (next === undefined) break;
    if (next === 'u') {
      const hex = s.slice(i + 1, i + 5);
      if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw new PropertiesSyntaxError(line, `malformed \\uxxxx escape "\\u${hex}"`);
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else {
      out += SIMPLE_ESCAPES[next] ?? next;
    }
  }
  return out;
}
