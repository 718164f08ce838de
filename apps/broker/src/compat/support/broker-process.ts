import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { collect, type Finished } from '../../test-support/processes.js';
import { REPO_ROOT } from './tools.js';

const MAIN = 'apps/broker/src/main.ts';
/** Resolves @tributary/* to their sources, so the child never runs a stale dist/. */
const SOURCE_TSCONFIG = 'apps/broker/tsconfig.source.json';

/** A port that was free a moment ago; a restarted broker reuses it so clients reconnect to it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface BrokerProcessOptions {
  readonly dataDir: string;
  readonly port: number;
  /** More `--override key=value` settings. */
  readonly overrides?: Readonly<Record<string, string | number>>;
  /** How long to wait for the "started" log line. Default 30 s. */
  readonly startTimeoutMs?: number;
}

/**
 * The tributary-broker CLI as a child process (`node --import tsx apps/broker/src/main.ts`), for
 * tests that need a real SIGTERM or kill -9. Started at log level info so the test can see the
 * "started" and "stopped" lines.
 */
export class BrokerProcess {
  private readonly done: Promise<Finished>;
  private exited = false;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    private readonly out: { text: string },
  ) {
    this.done = collect(child);
    child.once('close', () => (this.exited = true));
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Everything the process printed so far (JSON log lines on stdout, then stderr). */
  get output(): string {
    return this.out.text;
  }

  static async start(opts: BrokerProcessOptions): Promise<BrokerProcess> {
    const overrides: Record<string, string | number> = {
      listeners: `PLAINTEXT://127.0.0.1:${opts.port}`,
      'log.dirs': opts.dataDir,
      ...opts.overrides,
    };
    const args = ['--import', 'tsx', MAIN, '--log-level', 'info', ...Object.entries(overrides).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
    // Straight under node: npx would not pass our signals on to the broker.
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TSX_TSCONFIG_PATH: SOURCE_TSCONFIG },
    });
    const out = { text: '' };
    const broker = new BrokerProcess(child, opts.port, out);
    child.stderr!.on('data', (d: Buffer) => (out.text += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`broker did not start within ${opts.startTimeoutMs ?? 30_000} ms:\n${out.text}`));
      }, opts.startTimeoutMs ?? 30_000);
      child.stdout!.on('data', (d: Buffer) => {
        out.text += d.toString();
        if (out.text.includes('Tributary broker started')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`broker exited (${code ?? signal}) before it started:\n${out.text}`));
      });
    });
    return broker;
  }

  /** SIGTERM, then waits for the exit (the CLI promises to finish within 5 s). */
  async terminate(): Promise<Finished> {
    if (!this.exited) this.child.kill('SIGTERM');
    return this.done;
  }

  /** kill -9: no shutdown hook runs, nothing is flushed by the broker. */
  async kill9(): Promise<Finished> {
    if (!this.exited) this.child.kill('SIGKILL');
    return this.done;
  }

  get isRunning(): boolean {
    return !this.exited;
  }
}
