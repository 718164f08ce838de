import { pino, type DestinationStream, type Logger } from 'pino';
import { ConfigError } from './config/config-error.js';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Quiet by default: warnings and errors only; one line at info when the broker is up. */
export const DEFAULT_LOG_LEVEL: LogLevel = 'warn';

/**
 * The level from --log-level, else TRIBUTARY_LOG_LEVEL, else warn. An unknown level is a
 * ConfigError (exit 2), not a silent fallback.
 */
export function resolveLogLevel(cliValue: string | undefined, env: NodeJS.ProcessEnv = process.env): LogLevel {
  const [source, raw] = cliValue !== undefined ? ['--log-level', cliValue] : ['TRIBUTARY_LOG_LEVEL', env.TRIBUTARY_LOG_LEVEL];
  if (raw === undefined || raw === '') return DEFAULT_LOG_LEVEL;
  const level = raw.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError([{ key: source, message: `Invalid log level '${raw}' for ${source}: expected one of ${LOG_LEVELS.join(', ')}` }]);
  }
  return level as LogLevel;
}

/** A JSON-lines logger (pino) writing to stdout unless a destination is given. */
export function createLogger(opts: { level?: LogLevel; destination?: DestinationStream } = {}): Logger {
  const options = { name: 'tributary-broker', level: opts.level ?? DEFAULT_LOG_LEVEL };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
