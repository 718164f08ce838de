import type { Logger } from 'pino';
import { startBroker, type RunningBroker } from '../../broker.js';
import { silentLogger, tempDir } from '../../test-support/test-env.js';

/** PLAIN users every secure test broker defines (listener.name.<l>.plain.sasl.jaas.config). */
export const PLAIN_USERS = { alice: 'alice-secret', bob: 'bob-secret' } as const;

export function plainJaas(users: Readonly<Record<string, string>> = PLAIN_USERS): string {
  const options = Object.entries(users)
    .map(([u, p]) => `user_${u}="${p}"`)
    .join(' ');
  return `org.apache.kafka.common.security.plain.PlainLoginModule required ${options};`;
}

export interface SecureBroker {
  readonly broker: RunningBroker;
  readonly dataDir: string;
  /** The bound port of a listener, by name. */
  port(listener: string): number;
  /** 127.0.0.1:<port> of a listener. */
  bootstrap(listener: string): string;
  close(): Promise<void>;
}

/**
 * A broker in this process on loopback with the given listeners (ports 0) and configs; PLAIN users
 * alice and bob on every SASL listener unless the config says otherwise.
 */
export async function startSecureBroker(
  listeners: string,
  config: Readonly<Record<string, unknown>> = {},
  opts: { logger?: Logger; dataDir?: string } = {},
): Promise<SecureBroker> {
  const t = opts.dataDir === undefined ? await tempDir('tributary-secure-') : { dir: opts.dataDir, cleanup: async () => undefined };
  const broker = await startBroker({
    dataDir: t.dir,
    config: { listeners, 'sasl.jaas.config': plainJaas(), ...config },
    logger: opts.logger ?? silentLogger(),
    shutdownGraceMs: 1000,
  });
  const port = (name: string) => {
    const l = broker.listeners.find((x) => x.name === name);
    if (!l) throw new Error(`no listener ${name}`);
    return l.port;
  };
  return {
    broker,
    dataDir: t.dir,
    port,
    bootstrap: (name) => `127.0.0.1:${port(name)}`,
    close: async () => {
      try {
        await broker.stop();
      } finally {
        await t.cleanup();
      }
    },
  };
}
