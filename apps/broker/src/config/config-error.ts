/**
 * A configuration the broker refuses to start with. Raised before any file is opened or port bound;
 * the CLI prints the message and exits with status 2. Every problem found is listed, not just the
 * first, so one edit-and-retry fixes them all.
 */
export interface ConfigProblem {
  /** The key at fault (the first of them, for problems between two keys). */
  readonly key: string;
  /** Where the value came from, e.g. "server.properties line 12" or "--override". */
  readonly origin?: string;
  readonly message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      problems.length === 1
        ? `Invalid broker configuration: ${describeProblem(problems[0]!)}`
        : `Invalid broker configuration (${problems.length} problems):\n${problems.map((p) => `  - ${describeProblem(p)}`).join('\n')}`,
    );
  }
}

function describeProblem(p: ConfigProblem): string {
  return p.origin ? `${p.message} (${p.origin})` : p.message;
}

export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError;
}
