import { readFileSync } from 'node:fs';
import { BrokerConfig, type ConfigLayer } from './broker-config.js';
import { ConfigError } from './config-error.js';
import { parseProperties, PropertiesSyntaxError } from './properties.js';

/** Reads a server.properties file into a config layer; a missing or unreadable file is a ConfigError. */
export function propertiesFileLayer(path: string): ConfigLayer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError([{ key: '--config', message: `cannot read config file ${path} (${reason})` }]);
  }
  try {
    return { source: 'file', origin: path, entries: parseProperties(text) };
  } catch (err) {
    if (err instanceof PropertiesSyntaxError) {
      throw new ConfigError([{ key: '--config', origin: `${path} line ${err.line}`, message: err.message }]);
    }
    throw err;
  }
}

/** `--override key=value` arguments (Kafka's kafka-server-start.sh syntax) as a config layer. */
export function overridesLayer(overrides: readonly string[]): ConfigLayer {
  const entries = overrides.map((o) => {
    const eq = o.indexOf('=');
    if (eq <= 0) {
      throw new ConfigError([{ key: '--override', message: `--override expects key=value, got '${o}'` }]);
    }
    return { key: o.slice(0, eq).trim(), value: o.slice(eq + 1) };
  });
  return { source: 'override', origin: '--override', entries };
}

/** The CLI's view: the optional file, then the overrides on top of it. */
export function loadBrokerConfig(opts: { configFile?: string; overrides?: readonly string[]; cwd?: string }): BrokerConfig {
  const layers: ConfigLayer[] = [];
  if (opts.configFile !== undefined) layers.push(propertiesFileLayer(opts.configFile));
  if (opts.overrides && opts.overrides.length > 0) layers.push(overridesLayer(opts.overrides));
  return BrokerConfig.resolve(layers, opts.cwd);
}
