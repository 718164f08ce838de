#!/usr/bin/env node
import { startBroker, type RunningBroker } from './broker.js';
import { parseArgs, USAGE } from './cli/args.js';
import { isConfigError } from './config/config-error.js';
import { loadBrokerConfig } from './config/load-config.js';
import { createLogger, resolveLogLevel, type Logger } from './logging.js';
import { brokerVersion } from './version.js';

/** A signal-triggered stop must finish within this, or the process exits anyway. */
const HARD_EXIT_MS = 5000;

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_CONFIG = 2;

/**
 * The tributary-broker command. Everything that can be wrong with the configuration is found
 * before a file is opened or a port bound, and exits with status 2.
 */
async function main(argv: readonly string[]): Promise<void> {
  let logger: Logger | undefined;
  let broker: RunningBroker;
  try {
    const args = parseArgs(argv);
    if (args.help) {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    if (args.version) {
      process.stdout.write(`tributary-broker ${brokerVersion()}\n`);
      return;
    }
    const level = resolveLogLevel(args.logLevel);
    const config = loadBrokerConfig({ ...(args.configFile !== undefined && { configFile: args.configFile }), overrides: args.overrides });
    logger = createLogger({ level });
    broker = await startBroker({ config, logger });
  } catch (err) {
    if (isConfigError(err)) {
      process.stderr.write(`tributary-broker: ${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    const message = err instanceof Error ? err.message : String(err);
    logger?.fatal({ err }, 'broker failed to start');
    process.stderr.write(`tributary-broker: failed to start: ${message}\n`);
    process.exit(EXIT_FAILURE);
  }

  const log = logger!;
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn(`${signal} again; exiting without waiting`);
      process.exit(EXIT_FAILURE);
    }
    stopping = true;
    log.info(`${signal} received; shutting down`);
    setTimeout(() => {
      log.error(`shutdown took longer than ${HARD_EXIT_MS} ms; exiting`);
      process.exit(EXIT_FAILURE);
    }, HARD_EXIT_MS).unref();
    broker.stop().then(
      () => process.exit(EXIT_OK),
      (err: unknown) => {
        log.error({ err }, 'error during shutdown');
        process.exit(EXIT_FAILURE);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

process.on('uncaughtException', (err) => {
  process.stderr.write(`tributary-broker: uncaught exception: ${err.stack ?? err.message}\n`);
  process.exit(EXIT_FAILURE);
});

await main(process.argv.slice(2));
