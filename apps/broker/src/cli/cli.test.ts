import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiKey, decodeResponse } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { collect, run } from '../test-support/processes.js';
import { RawClient } from '../test-support/raw-client.js';
import { tempDir } from '../test-support/test-env.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const MAIN = 'apps/broker/src/main.ts';
/** Resolves @tributary/* to their sources, like the vitest aliases (no build needed, never a stale dist). */
const SOURCE_TSCONFIG = 'apps/broker/tsconfig.source.json';

/** The CLI as a user would run it from a checkout. */
const cli = (args: string[]) => run('npx', ['tsx', '--tsconfig', SOURCE_TSCONFIG, MAIN, ...args], { cwd: repoRoot });

describe('tributary-broker CLI', () => {
  it('exits 2 naming the key, the value and what is expected, before creating anything', async () => {
    const t = await tempDir();
    const dataDir = join(t.dir, 'data');
    const props = join(t.dir, 'server.properties');
    await writeFile(props, `# test\nnum.partitions=3\nlog.segment.bytes=big\n`);
    try {
      const r = await cli(['--config', props, '--override', `log.dirs=${dataDir}`, '--override', 'num.partition=4']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`Invalid value 'big' for configuration 'log.segment.bytes': expected an integer`);
      expect(r.stderr).toContain(`${props} line 3`);
      expect(r.stderr).toContain(`Unknown configuration 'num.partition' (value '4'); did you mean 'num.partitions'?`);
      expect(r.stdout).not.toContain('Tributary broker started');
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      await t.cleanup();
    }
  });

  it('exits 2 for a missing config file and for unknown options; --help and --version exit 0', async () => {
    const [missing, unknown, help, version] = await Promise.all([
      cli(['--config', '/nonexistent/server.properties']),
      cli(['--frobnicate']),
      cli(['--help']),
      cli(['--version']),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read config file \/nonexistent\/server\.properties \(ENOENT\)/);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option --frobnicate/);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: tributary-broker/);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^tributary-broker \d+\.\d+\.\d+$/);
  });

  it('starts, answers ApiVersions (raw socket and librdkafka via kcat), and exits 0 on SIGTERM within 5 s', async () => {
    const t = await tempDir();
    const props = join(t.dir, 'server.properties');
    await writeFile(props, `listeners=PLAINTEXT://127.0.0.1:0\nlog.dirs=${join(t.dir, 'data')}\n`);
    // Straight under node (not npx, which does not forward SIGTERM to its child).
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, props, '--log-level', 'info'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TSX_TSCONFIG_PATH: SOURCE_TSCONFIG },
    });
    const done = collect(child);
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /"listeners":\["PLAINTEXT:\/\/127\.0\.0\.1:(\d+)"\]/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.once('close', () => reject(new Error(`broker exited early: ${out}`)));
      });

      const c = await RawClient.connect(port);
      c.send(ApiKey.ApiVersions, 3, 11, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
      const { header, body } = decodeResponse(ApiKey.ApiVersions, 3, await c.next());
      expect(header.correlationId).toBe(11);
      expect(body.apiKeys).toContainEqual({ apiKey: 18, minVersion: 0, maxVersion: 3 });
      c.close();

      // librdkafka 2.0.2 sends ApiVersions v3 (flexible request, v0 response header) and logs what it parsed.
      const kcat = await run('kcat', ['-b', `127.0.0.1:${port}`, '-L', '-d', 'feature', '-m', '2'], { timeoutMs: 15_000 });
      expect(kcat.stderr).toContain('ApiKey ApiVersion (18) Versions 0..3');
      expect(kcat.stderr).toContain('Enabling feature ApiVersion');
      expect(kcat.stderr).not.toMatch(/parse failure|Protocol parse/i);

      const t0 = Date.now();
      child.kill('SIGTERM');
      const r = await done;
      expect(r.code).toBe(0);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(r.stdout).toContain('Tributary broker stopped');
      // The LogManager was closed: logs flushed, checkpoints and the clean-shutdown marker written.
      expect(existsSync(join(t.dir, 'data', '.kafka_cleanshutdown'))).toBe(true);
    } finally {
      child.kill('SIGKILL');
      await done;
      await t.cleanup();
    }
  });
});
