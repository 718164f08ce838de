import { join } from 'node:path';
import { describeRun, FIXTURES_DIR, runTool } from './tools.js';

/** Debian's interpreter, which has python3-kafka and python3-confluent-kafka installed. */
export const PYTHON = '/usr/bin/python3';

/**
 * Runs one of the client scripts in src/test-fixtures/compat with a JSON argument and returns the
 * JSON object it prints as its last stdout line. The scripts only drive the client and report what
 * they observed; the assertions live in the TypeScript tests, so a failure names the exact step.
 */
export async function runPythonScript<T>(script: string, arg: unknown, timeoutMs = 60_000): Promise<T> {
  const r = await runTool(PYTHON, [join(FIXTURES_DIR, script), JSON.stringify(arg)], {
    timeoutMs,
    env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || r.timedOut || !last.startsWith('{')) throw new Error(describeRun(`python3 ${script}`, r));
  return JSON.parse(last) as T;
}
