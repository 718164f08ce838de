/**
 * The JAAS configuration syntax Kafka accepts in `sasl.jaas.config` (JaasConfig.java):
 *
 *   <loginModuleClass> <controlFlag> (<optionName>=<optionValue>)*;
 *
 * tokenised like java.io.StreamTokenizer does there: words of letters, digits, '.', '-', '_' and
 * '$'; values in double or single quotes with backslash escapes; `//` and `/* *\/` comments. Kafka
 * requires exactly one login module per property; so does this parser.
 */

export type JaasControlFlag = 'required' | 'requisite' | 'sufficient' | 'optional';

export interface JaasLoginModule {
  readonly loginModule: string;
  readonly controlFlag: JaasControlFlag;
  readonly options: ReadonlyMap<string, string>;
}

/** The text is not a single well-formed JAAS login module entry. */
export class JaasSyntaxError extends Error {
  override readonly name = 'JaasSyntaxError';
}

type Token = { kind: 'word' | 'quoted'; text: string } | { kind: 'symbol'; text: string };

const WORD_CHAR = /[A-Za-z0-9.\-_$\u0080-\uffff]/;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', a: '\u0007', v: '\u000b' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c <= ' ') {
      i++;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new JaasSyntaxError('unterminated /* comment');
      i = end + 2;
    } else if (c === '"' || c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new JaasSyntaxError(`unterminated ${c}-quoted value`);
        const d = text[i++]!;
        if (d === c) break;
        if (d === '\\' && i < text.length) {
          const e = text[i++]!;
          value += ESCAPES[e] ?? e;
        } else {
          value += d;
        }
      }
      tokens.push({ kind: 'quoted', text: value });
    } else if (WORD_CHAR.test(c)) {
      let j = i;
      while (j < text.length && WORD_CHAR.test(text[j]!)) j++;
      tokens.push({ kind: 'word', text: text.slice(i, j) });
      i = j;
    } else {
      tokens.push({ kind: 'symbol', text: c });
      i++;
    }
  }
  return tokens;
}

/** Parses one login module entry; throws JaasSyntaxError saying what is wrong (never the values). */
export function parseJaasConfig(text: string): JaasLoginModule {
  const tokens = tokenize(text);
  let pos = 0;
  const next = (): Token | undefined => tokens[pos++];
  const module = next();
  if (module === undefined) throw new JaasSyntaxError('login module not specified');
  if (module.kind !== 'word') throw new JaasSyntaxError(`expected a login module class name, found "${module.text}"`);
  const flagToken = next();
  if (flagToken === undefined || flagToken.kind !== 'word') throw new JaasSyntaxError('login module control flag not specified');
  const flag = flagToken.text.toLowerCase();
  if (flag !== 'required' && flag !== 'requisite' && flag !== 'sufficient' && flag !== 'optional') {
    throw new JaasSyntaxError(`invalid login module control flag '${flagToken.text}' (expected required, requisite, sufficient or optional)`);
  }
  const options = new Map<string, string>();
  for (;;) {
    const t = next();
    if (t === undefined) throw new JaasSyntaxError('JAAS config entry not terminated by semi-colon');
    if (t.kind === 'symbol' && t.text === ';') break;
    if (t.kind !== 'word') throw new JaasSyntaxError(`expected an option name, found "${t.kind === 'symbol' ? t.text : 'a quoted value'}"`);
    const eq = next();
    const value = next();
    if (eq?.kind !== 'symbol' || eq.text !== '=' || value === undefined || value.kind === 'symbol') {
      throw new JaasSyntaxError(`value not specified for key '${t.text}'`);
    }
    options.set(t.text, value.text);
  }
  if (pos < tokens.length) {
    throw new JaasSyntaxError('more than one login module; the property must contain exactly one');
  }
  return { loginModule: module.text, controlFlag: flag, options };
}
