import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect } from '../test-support/processes.js';
import { tempDir } from '../test-support/test-env.js';
import { kcatList, kcatConsume, kcatProduce } from './support/kcat.js';
import { describeRun, REPO_ROOT, runTool } from './support/tools.js';

// The README's "start a broker" command, as a new user runs it: `npm run build`, then `npm start`
// (node apps/broker/dist/main.js, the built CLI). Here on a free port and a temporary data directory
// instead of localhost:9092 and ./tributary-data.

describe('npm start (the README command)', () => {
  it('starts the built broker, which kcat can use, and stops it cleanly on SIGTERM', async () => {
    // Build the broker as `npm run build` would (a no-op when `npm test` has just built everything).
    const build = await runTool('npx', ['tsc', '-b', 'apps/broker'], { timeoutMs: 240_000 });
    expect(build.code, describeRun('tsc -b apps/broker', build)).toBe(0);
    expect(existsSync(join(REPO_ROOT, 'apps/broker/dist/main.js'))).toBe(true);

    const t = await tempDir('tributary-npm-start-');
    const dataDir = join(t.dir, 'data');
    // detached: its own process group, so the signal reaches npm, its shell and node alike.
    const child = spawn('npm', ['start', '--', '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', `log.dirs=${dataDir}`], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const done = collect(child);
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    };
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no "started" line within 30 s:\n${out}`)), 30_000);
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /"listeners":\["PLAINTEXT:\/\/127\.0\.0\.1:(\d+)"\]/.exec(out);
          if (m && out.includes('Tributary broker started')) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        });
        child.once('close', () => {
          clearTimeout(timer);
          reject(new Error(`npm start exited early:\n${out}`));
        });
      });

      const bootstrap = `127.0.0.1:${port}`;
      expect(await kcatList(bootstrap)).toContain(`broker 1 at 127.0.0.1:${port}`);
      await kcatProduce(bootstrap, 'readme-quickstart', ['hello', 'world'], { partition: 0 });
      expect((await kcatConsume(bootstrap, 'readme-quickstart', { partition: 0 })).map((m) => m.payload)).toEqual(['hello', 'world']);

      const t0 = Date.now();
      signalGroup('SIGTERM');
      const r = await done;
      expect(Date.now() - t0).toBeLessThan(6000);
      expect(r.stdout).toContain('Tributary broker stopped');
      expect(existsSync(join(dataDir, '.kafka_cleanshutdown'))).toBe(true);
    } finally {
      signalGroup('SIGKILL');
      await done;
      await t.cleanup();
    }
  }, 300_000);
});
