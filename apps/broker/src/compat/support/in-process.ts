import type { Logger } from 'pino';
import { startBroker, type RunningBroker } from '../../broker.js';
import { silentLogger, tempDir } from '../../test-support/test-env.js';

export interface CompatBroker {
  readonly broker: RunningBroker;
  readonly bootstrap: string;
  readonly port: number;
  readonly dataDir: string;
  /** Stops the broker and removes its data directory. */
  close(): Promise<void>;
}

/** A broker in this process on a free loopback port with its own temporary data directory. */
export async function startCompatBroker(
  config: Readonly<Record<string, unknown>> = {},
  opts: { logger?: Logger; shutdownGraceMs?: number } = {},
): Promise<CompatBroker> {
  const t = await tempDir('tributary-compat-');
  const broker = await startBroker({
    port: 0,
    dataDir: t.dir,
    config,
    logger: opts.logger ?? silentLogger(),
    ...(opts.shutdownGraceMs !== undefined && { shutdownGraceMs: opts.shutdownGraceMs }),
  });
  return {
    broker,
    bootstrap: broker.bootstrap,
    port: broker.port,
    dataDir: t.dir,
    close: async () => {
      try {
        await broker.stop();
      } finally {
        await t.cleanup();
      }
    },
  };
}

/** A unique topic name per call, so tests sharing a broker never see each other's data. */
export function topicName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
