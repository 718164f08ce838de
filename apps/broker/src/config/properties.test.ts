import { describe, expect, it } from 'vitest';
import { parseProperties, PropertiesSyntaxError } from './properties.js';

const pairs = (text: string) => parseProperties(text).map((e) => [e.key, e.value]);

describe('parseProperties (java.util.Properties syntax)', () => {
  it('reads key=value, key: value and key value, trimming around the separator', () => {
    expect(pairs('a=1\nb: 2\nc 3\n  d   =   4  \ne\t:\tx')).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
      ['d', '4  '], // trailing whitespace belongs to the value, as in Java
      ['e', 'x'],
    ]);
  });

  it('skips # and ! comments and blank lines, but not a # inside a value', () => {
    expect(pairs('# comment\n! another\n\n   \n  # indented comment\nk=v # not a comment')).toEqual([['k', 'v # not a comment']]);
  });

  it('joins continuation lines and drops the leading whitespace of the next line', () => {
    expect(pairs('listeners=PLAINTEXT://:9092,\\\n     PLAINTEXT2://:9093\nnext=1')).toEqual([
      ['listeners', 'PLAINTEXT://:9092,PLAINTEXT2://:9093'],
      ['next', '1'],
    ]);
  });

  it('treats an even number of trailing backslashes as escaped backslashes, not a continuation', () => {
    expect(pairs('path=C:\\\\dir\\\\\nnext=1')).toEqual([
      ['path', 'C:\\dir\\'],
      ['next', '1'],
    ]);
  });

  it('does not continue a comment line that ends in a backslash', () => {
    expect(pairs('# comment \\\nk=v')).toEqual([['k', 'v']]);
  });

  it('decodes escapes in keys and values, including escaped separators in keys', () => {
    expect(pairs('a\\=b\\:c\\ d=x\\ty\\nz\\u00e9\\q')).toEqual([['a=b:c d', 'x\ty\nzéq']]);
  });

  it('accepts CRLF and lone CR line ends', () => {
    expect(pairs('a=1\r\nb=2\rc=3')).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ]);
  });

  it('gives a key with no value the empty string, and keeps only the first separator', () => {
    expect(pairs('empty\nempty2=\nk==v\nk2 = : v')).toEqual([
      ['empty', ''],
      ['empty2', ''],
      ['k', '=v'],
      ['k2', ': v'],
    ]);
  });

  it('keeps repeated keys in order with their line numbers', () => {
    const e = parseProperties('a=1\n\n# x\na=2');
    expect(e.map((x) => [x.key, x.value, x.line])).toEqual([
      ['a', '1', 1],
      ['a', '2', 4],
    ]);
  });

  it('refuses a malformed \\u escape with its line number', () => {
    expect(() => parseProperties('ok=1\nbad=\\u12G4')).toThrow(PropertiesSyntaxError);
    expect(() => parseProperties('ok=1\nbad=\\u12G4')).toThrow(/line 2/);
  });

  it('ignores a trailing backslash on the last line', () => {
    expect(pairs('k=v\\')).toEqual([['k', 'v']]);
  });
});
