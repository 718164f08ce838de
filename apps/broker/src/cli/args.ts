import { ConfigError } from '../config/config-error.js';

export interface CliArgs {
  readonly configFile?: string;
  readonly overrides: readonly string[];
  readonly logLevel?: string;
  readonly help: boolean;
  readonly version: boolean;
}

export const USAGE = `Usage: tributary-broker [--config server.properties] [--override key=value ...]
                        [--log-level level] [--help] [--version]

Starts a Kafka-compatible broker.

  --config <file>         Java properties file with Kafka broker configs (server.properties).
                          A single positional file argument is accepted too, as kafka-server-start.sh does.
  --override <key=value>  Sets one config, over the file; repeatable.
  --log-level <level>     fatal, error, warn (default), info, debug, trace or silent.
                          The TRIBUTARY_LOG_LEVEL environment variable sets it too.
  --help                  Prints this text.
  --version               Prints the version.

Configuration keys are Kafka's; see docs/broker/configuration.md. Exit status: 0 after a clean
shutdown (SIGTERM/SIGINT), 1 on a runtime failure, 2 on a configuration or usage error.`;

/** Parses argv (without node and the script); usage errors are ConfigErrors (exit 2). */
export function parseArgs(argv: readonly string[]): CliArgs {
  let configFile: string | undefined;
  let logLevel: string | undefined;
  const overrides: string[] = [];
  let help = false;
  let version = false;
  const usage = (message: string) => new ConfigError([{ key: 'arguments', message: `${message}; see --help` }]);

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw usage(`${name} needs a value`);
      return next;
    };
    switch (name) {
      case '--help':
      case '-h':
        help = true;
        break;
      case '--version':
      case '-v':
        version = true;
        break;
      case '--config':
      case '-c': {
        if (configFile !== undefined) throw usage('only one config file can be given');
        configFile = value();
        break;
      }
      case '--override':
        overrides.push(value());
        break;
      case '--log-level':
        logLevel = value();
        break;
      default:
        if (arg.startsWith('-')) throw usage(`unknown option ${name}`);
        if (configFile !== undefined) throw usage(`unexpected argument ${arg}`);
        configFile = arg;
    }
  }
  return { overrides, help, version, ...(configFile !== undefined && { configFile }), ...(logLevel !== undefined && { logLevel }) };
}
