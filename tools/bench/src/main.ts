// Benchmark harness entry: `npm run bench -- <name> [args...]` runs tools/bench/src/benchmarks/<name>.ts.
// Benchmarks print figures (and may write JSON under bench-results/); they are not timed tests.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('./benchmarks/', import.meta.url));
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((f) => f.replace(/\.ts$/, ''));

const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join('|')}> [args...]`);
  process.exit(name ? 2 : 0);
}
const mod = (await import(`./benchmarks/${name}.ts`)) as { run(args: string[]): Promise<void> };
await mod.run(args);
