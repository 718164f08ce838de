import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { collect, type Finished } from '../../test-support/processes.js';

/** The repository root (compat tests run tools from there). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));

/** Where the Python client scripts live. */
export const FIXTURES_DIR = fileURLToPath(new URL('../../test-fixtures/compat/', import.meta.url));

export interface ToolOptions {
  /** Written to the tool's stdin, which is then closed. */
  readonly input?: string | Buffer;
  /** Killed with SIGKILL after this long, so a stuck client cannot hang the suite. Default 30 s. */
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export interface ToolResult extends Finished {
  /** True when the timeout killed it. */
  readonly timedOut: boolean;
}

/** Runs an external client to completion, with optional stdin and a hard timeout. */
export async function runTool(cmd: string, args: readonly string[], opts: ToolOptions = {}): Promise<ToolResult> {
  const child = spawn(cmd, args, {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: opts.env ?? process.env,
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, opts.timeoutMs ?? 30_000);
  child.stdin.on('error', () => undefined); // the tool may exit before reading all of its input
  child.stdin.end(opts.input ?? '');
  try {
    return { ...(await collect(child)), timedOut };
  } finally {
    clearTimeout(timer);
  }
}

/** Describes a finished tool run for an assertion message. */
export function describeRun(what: string, r: ToolResult): string {
  const status = r.timedOut ? 'timed out' : `exited ${r.code ?? r.signal}`;
  return `${what} ${status}\n--- stdout ---\n${r.stdout.slice(-4000)}\n--- stderr ---\n${r.stderr.slice(-4000)}`;
}

/** Throws with the tool's output unless it exited 0. */
export function expectSuccess(what: string, r: ToolResult): ToolResult {
  if (r.code !== 0 || r.timedOut) throw new Error(describeRun(what, r));
  return r;
}
