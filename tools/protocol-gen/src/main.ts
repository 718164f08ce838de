import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BANNER } from './emit-module.js';
import { generate } from './generate.js';
import { loadSpecs } from './spec-loader.js';

/**
 * `npm run gen:protocol [-- --specs <dir>] [-- --out <dir>]`: regenerates the Kafka message codecs
 * from Kafka's JSON message specs. Paths default relative to the repository root.
 */

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface Options {
  specs: string;
  out: string;
}

export function parseArgs(argv: string[]): Options {
  const opts: Options = {
    specs: resolve(repoRoot, '../shared/kafka-protocol/messages'),
    out: resolve(repoRoot, 'packages/protocol/src/messages'),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if ((arg === '--specs' || arg === '--out') && value !== undefined) {
      opts[arg === '--specs' ? 'specs' : 'out'] = resolve(value);
      i++;
    } else {
      throw new Error(`usage: protocol-gen [--specs <dir>] [--out <dir>] (unexpected "${arg}")`);
    }
  }
  return opts;
}

/** Writes the generated files and removes generated files that are no longer produced. */
export function run(opts: Options): { written: number; removed: string[] } {
  const files = generate(loadSpecs(opts.specs));
  mkdirSync(opts.out, { recursive: true });
  const removed: string[] = [];
  if (existsSync(opts.out)) {
    for (const name of readdirSync(opts.out)) {
      if (!name.endsWith('.ts') || files.has(name)) continue;
      const path = join(opts.out, name);
      if (readFileSync(path, 'utf8').startsWith(BANNER)) {
        unlinkSync(path);
        removed.push(name);
      }
    }
  }
  for (const [name, content] of files) writeFileSync(join(opts.out, name), content);
  return { written: files.size, removed };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    const { written, removed } = run(opts);
    console.log(`protocol-gen: wrote ${written} files to ${opts.out}${removed.length ? `, removed ${removed.join(', ')}` : ''}`);
  } catch (err) {
    console.error(`protocol-gen: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
