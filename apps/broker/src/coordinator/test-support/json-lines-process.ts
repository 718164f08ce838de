import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { collect, type Finished } from '../../test-support/processes.js';

/** Debian's interpreter, which has python3-kafka and python3-confluent-kafka installed. */
export const PYTHON = '/usr/bin/python3';

/** The group client scripts (src/test-fixtures/python). */
export const PYTHON_FIXTURES = fileURLToPath(new URL('../../test-fixtures/python/', import.meta.url));

export type JsonEvent = Record<string, unknown> & { readonly event: string };

/**
 * A long-running client process (a Python group consumer, a kafkajs consumer script) that reports
 * what it observes as one JSON object per stdout line and takes commands as JSON lines on stdin,
 * so a test can wait for "assigned", then close a member, kill -9 the process, and so on. Every
 * wait has a deadline, and the process is killed when the test disposes of it.
 */
export class JsonLinesProcess {
  readonly events: JsonEvent[] = [];
  private readonly done: Promise<Finished>;
  private waiters: Array<() => void> = [];
  private exited = false;
  private stderrText = '';
  private partial = '';

  private constructor(private readonly child: ChildProcess, private readonly label: string) {
    child.stdout!.on('data', (d: Buffer) => this.onStdout(d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.stderrText += d.toString()));
    child.stdin!.on('error', () => undefined);
    this.done = collect(child).finally(() => {
      this.exited = true;
      this.wake();
    });
  }

  static spawn(cmd: string, args: readonly string[], label: string, env: NodeJS.ProcessEnv = {}): JsonLinesProcess {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', ...env } });
    return new JsonLinesProcess(child, label);
  }

  /** A script from src/test-fixtures/python run with its JSON argument. */
  static python(script: string, arg: unknown): JsonLinesProcess {
    return JsonLinesProcess.spawn(PYTHON, [PYTHON_FIXTURES + script, JSON.stringify(arg)], `python3 ${script}`);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isRunning(): boolean {
    return !this.exited;
  }

  /** Events of one kind, in arrival order. */
  all(event: string, match: (e: JsonEvent) => boolean = () => true): JsonEvent[] {
    return this.events.filter((e) => e.event === event && match(e));
  }

  /** Waits until an event satisfying `match` has arrived (it may have arrived already); returns it. */
  async waitFor(match: (e: JsonEvent) => boolean, what: string, timeoutMs = 30_000): Promise<JsonEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      if (this.exited) throw new Error(`${this.label} exited before ${what}\n${this.describe()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.label}: no ${what} within ${timeoutMs} ms\n${this.describe()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends one command line. */
  send(command: Record<string, unknown>): void {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  /** Closes stdin (the scripts exit cleanly on EOF) and waits for the exit. */
  async finish(timeoutMs = 30_000): Promise<Finished> {
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.done;
    } finally {
      clearTimeout(timer);
    }
  }

  /** kill -9. */
  async kill(): Promise<Finished> {
    if (!this.exited) this.child.kill('SIGKILL');
    return this.done;
  }

  /** The recent output, for assertion messages. */
  describe(): string {
    const lines = this.events.slice(-30).map((e) => JSON.stringify(e));
    return `--- last events ---\n${lines.join('\n')}\n--- stderr ---\n${this.stderrText.slice(-4000)}`;
  }

  private onStdout(text: string): void {
    this.partial += text;
    const lines = this.partial.split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        this.events.push(JSON.parse(line) as JsonEvent);
      } catch {
        this.stderrText += `(unparsable stdout line) ${line}\n`;
      }
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
