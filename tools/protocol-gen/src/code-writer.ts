import { Versions } from './versions.js';

/** An indenting line buffer for emitting TypeScript. */
export class Code {
  private readonly out: string[] = [];

  constructor(private depth = 0) {}

  line(text = ''): this {
    this.out.push(text === '' ? '' : '  '.repeat(this.depth) + text);
    return this;
  }

  /** Emits `header` (ending in "{") and indents what follows until close(). */
  open(header: string): this {
    this.line(header);
    this.depth++;
    return this;
  }

  close(footer = '}'): this {
    this.depth--;
    return this.line(footer);
  }

  /** Closes one block and opens the next at the same depth ("} else {"). */
  reopen(text: string): this {
    this.depth--;
    this.line(text);
    this.depth++;
    return this;
  }

  /** Runs `fn` against a fresh buffer at this depth and returns its lines without emitting them. */
  capture(fn: (c: Code) => void): string[] {
    const c = new Code(this.depth);
    fn(c);
    return c.out;
  }

  append(lines: string[]): this {
    this.out.push(...lines);
    return this;
  }

  get isEmpty(): boolean {
    return this.out.length === 0;
  }

  toString(): string {
    return this.out.join('\n');
  }
}

/**
 * A test on the `version` variable, given the versions the code can run in (`possible`) — Kafka's
 * VersionConditional: 'always' or 'never' when the answer is known where the code runs, so the
 * generated code carries no test it does not need.
 */
export type VersionTest = 'always' | 'never' | string;

export function inVersions(possible: Versions, range: Versions): VersionTest {
  const inside = possible.intersect(range);
  if (inside.empty) return 'never';
  if (range.covers(possible)) return 'always';
  if (range.min <= possible.min) return `version <= ${range.max}`;
  if (range.max >= possible.max) return `version >= ${range.min}`;
  if (range.min === range.max) return `version === ${range.min}`;
  return `version >= ${range.min} && version <= ${range.max}`;
}

export function notInVersions(possible: Versions, range: Versions): VersionTest {
  const inside = possible.intersect(range);
  if (inside.empty) return 'always';
  if (range.covers(possible)) return 'never';
  if (range.min <= possible.min) return `version > ${range.max}`;
  if (range.max >= possible.max) return `version < ${range.min}`;
  if (range.min === range.max) return `version !== ${range.min}`;
  return `version < ${range.min} || version > ${range.max}`;
}

/** `possible` minus `range`, widened back to `possible` when the difference is not contiguous. */
export function without(possible: Versions, range: Versions): Versions {
  try {
    return possible.subtract(range);
  } catch {
    return possible;
  }
}

/**
 * Emits `then` for versions in `range` and `otherwise` for the rest, each told the narrower set of
 * versions it runs in; tests known at generation time produce no `if` at all.
 */
export function ifVersions(
  c: Code,
  possible: Versions,
  range: Versions,
  then: (c: Code, inside: Versions) => void,
  otherwise?: (c: Code, outside: Versions) => void,
): void {
  const test = inVersions(possible, range);
  if (test === 'always') return then(c, possible);
  if (test === 'never') return otherwise?.(c, possible);
  const thenLines = c.capture((inner) => {
    inner.open('{');
    then(inner, possible.intersect(range));
  });
  const elseLines = otherwise
    ? c.capture((inner) => {
        inner.open('{');
        otherwise(inner, without(possible, range));
      })
    : [];
  // capture() recorded an opening "{" line to indent the body; drop it and write the real header.
  const thenBody = thenLines.slice(1);
  const elseBody = elseLines.slice(1);
  if (thenBody.length === 0 && elseBody.length === 0) return;
  if (thenBody.length === 0) {
    c.open(`if (${notInVersions(possible, range)}) {`).append(elseBody).close();
    return;
  }
  c.open(`if (${test}) {`).append(thenBody);
  if (elseBody.length > 0) {
    const nested = soleIfBlock(elseBody);
    if (nested) c.reopen(`} else ${nested.header}`).append(nested.body);
    else c.reopen('} else {').append(elseBody);
  }
  c.close();
}

/** An expression choosing between two expressions by version. */
export function exprIf(possible: Versions, range: Versions, then: (inside: Versions) => string, otherwise: (outside: Versions) => string): string {
  const test = inVersions(possible, range);
  if (test === 'always') return then(possible);
  if (test === 'never') return otherwise(possible);
  const wrap = (e: string): string => (e.includes(' ? ') ? `(${e})` : e);
  return `${test} ? ${wrap(then(possible.intersect(range)))} : ${wrap(otherwise(without(possible, range)))}`;
}

/**
 * When an else-branch is exactly one `if (...) {...}` block (no else of its own), returns its header
 * and its body moved out one level, so the caller can write `} else if (...) {`.
 */
function soleIfBlock(lines: string[]): { header: string; body: string[] } | null {
  if (lines.length < 3) return null;
  const first = lines[0]!;
  const indent = first.length - first.trimStart().length;
  const head = first.trim();
  if (!head.startsWith('if (') || !head.endsWith('{')) return null;
  if (lines[lines.length - 1]!.trim() !== '}') return null;
  const inner = lines.slice(1, -1);
  if (inner.some((l) => l !== '' && l.length - l.trimStart().length <= indent)) return null;
  return { header: head, body: inner.map((l) => l.slice(2)) };
}
