import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BANNER } from './emit-module.js';
import { generate } from './generate.js';
import { buildMessage } from './model.js';
import { kebabCase } from './names.js';
import { loadSpecs, parseSpec, stripComments } from './spec-loader.js';
import { Versions } from './versions.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const specDir = join(repoRoot, '../shared/kafka-protocol/messages');
const committedDir = join(repoRoot, 'packages/protocol/src/messages');
const mainScript = fileURLToPath(new URL('./main.ts', import.meta.url));

/** The committed generated files: every file in the messages folder that carries the banner. */
function committedGenerated(): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(committedDir)) {
    if (!name.endsWith('.ts')) continue;
    const text = readFileSync(join(committedDir, name), 'utf8');
    if (text.startsWith(BANNER)) out.set(name, text);
  }
  return out;
}

const temps: string[] = [];
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe('committed output matches the generator', () => {
  it('generate() reproduces every committed generated file and no more', () => {
    const fresh = generate(loadSpecs(specDir));
    const committed = committedGenerated();
    expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
    for (const [name, text] of fresh) expect(committed.get(name), name).toBe(text);
    // One module per API key 0-87, plus headers, data records and the index.
    expect(fresh.size).toBe(88 + 10 + 1);
  });

  it('the CLI writes the same files into --out', () => {
    const out = mkdtempSync(join(tmpdir(), 'protocol-gen-'));
    temps.push(out);
    // A stale generated file is removed; a hand-written one is left alone.
    writeFileSync(join(out, 'stale.ts'), `${BANNER}\nexport {};\n`);
    writeFileSync(join(out, 'hand.ts'), 'export {};\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', mainScript, '--specs', specDir, '--out', out], {
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/wrote 99 files/);
    const written = readdirSync(out).sort();
    expect(written).not.toContain('stale.ts');
    expect(written).toContain('hand.ts');
    const committed = committedGenerated();
    for (const [name, text] of committed) expect(readFileSync(join(out, name), 'utf8'), name).toBe(text);
  });

  it('the CLI rejects unknown arguments', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', mainScript, '--bogus'], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/usage/);
  });
});

describe('version ranges', () => {
  it('parses every spelling Kafka uses', () => {
    expect(Versions.parse('3+').toString()).toBe('3+');
    expect(Versions.parse('0-7')).toMatchObject({ min: 0, max: 7 });
    expect(Versions.parse('2')).toMatchObject({ min: 2, max: 2 });
    expect(Versions.parse('none').empty).toBe(true);
    expect(Versions.parse(undefined, Versions.NONE).empty).toBe(true);
    expect(() => Versions.parse('3-1')).toThrow(/empty/);
    expect(() => Versions.parse('x')).toThrow(/unparseable/);
  });

  it('intersects, covers and subtracts', () => {
    const a = Versions.parse('2-9');
    expect(a.intersect(Versions.parse('5+')).toString()).toBe('5-9');
    expect(a.intersect(Versions.parse('10+')).empty).toBe(true);
    expect(a.covers(Versions.parse('3-4'))).toBe(true);
    expect(a.covers(Versions.parse('3+'))).toBe(false);
    expect(Versions.parse('0+').subtract(Versions.parse('3+')).toString()).toBe('0-2');
    expect(() => Versions.parse('0-9').subtract(Versions.parse('3-4'))).toThrow(/contiguous/);
  });
});

describe('spec loading and model', () => {
  it('strips whole-line comments only', () => {
    const text = '// header\n{\n  // note\n  "a": "http://x"\n}\n';
    expect(JSON.parse(stripComments(text))).toEqual({ a: 'http://x' });
  });

  it('names modules in kebab case', () => {
    expect(kebabCase('ApiVersions')).toBe('api-versions');
    expect(kebabCase('DescribeTopicPartitions')).toBe('describe-topic-partitions');
    expect(kebabCase('KRaftVersionRecord')).toBe('kraft-version-record');
  });

  const spec = (fields: unknown[], extra: object = {}) =>
    parseSpec(
      'Test.json',
      JSON.stringify({ apiKey: 99, type: 'request', name: 'TestRequest', validVersions: '0-3', flexibleVersions: '2+', fields, ...extra }),
    );

  it('parses defaults: hex, negative, int64, bool, null and implicit ones', () => {
    const m = buildMessage(
      spec([
        { name: 'A', type: 'int32', versions: '0+', default: '0x7fffffff' },
        { name: 'B', type: 'int64', versions: '0+', default: '-1' },
        { name: 'C', type: 'bool', versions: '0+', default: 'true' },
        { name: 'D', type: 'string', versions: '0+', nullableVersions: '0+', default: 'null' },
        { name: 'E', type: '[]int32', versions: '0+' },
        { name: 'F', type: 'int8', versions: '0+', default: -2 },
      ]),
    );
    expect(m.root.fields.map((f) => f.default)).toEqual([
      { kind: 'scalar', value: 0x7fffffff },
      { kind: 'scalar', value: -1n },
      { kind: 'scalar', value: true },
      { kind: 'null' },
      { kind: 'empty' },
      { kind: 'scalar', value: -2 },
    ]);
  });

  it('refuses inconsistent specs', () => {
    expect(() => buildMessage(spec([{ name: 'A', type: 'int32', versions: '0+', tag: 0 }]))).toThrow(/tag and taggedVersions/);
    expect(() => buildMessage(spec([{ name: 'A', type: 'int32', versions: '0+', tag: 0, taggedVersions: '0+' }]))).toThrow(
      /non-flexible/,
    );
    expect(() => buildMessage(spec([{ name: 'A', type: 'int32', versions: '0+', nullableVersions: '0+' }]))).toThrow(
      /cannot be nullable/,
    );
    expect(() => buildMessage(spec([{ name: 'A', type: 'int8', versions: '0+', default: '300' }]))).toThrow(/out of range/);
    expect(() => buildMessage(spec([{ name: 'A', type: 'Missing', versions: '0+' }]))).toThrow(/unknown type/);
    expect(() => buildMessage(spec([{ name: 'A', type: 'string', versions: '0+', default: 'null' }]))).toThrow(/never nullable/);
  });

  it('computes the versions a nested struct can appear in', () => {
    const m = buildMessage(
      spec([{ name: 'Items', type: '[]Item', versions: '1+', fields: [{ name: 'X', type: 'int32', versions: '0+' }] }]),
    );
    expect(m.structs[0]!.tsName).toBe('TestRequestItem');
    expect(m.structs[0]!.possibleVersions.toString()).toBe('1-3');
  });
});
