import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type RunningBroker, startBroker } from '@tributary/broker';

/** An in-process Tributary broker in a fresh data directory, for integration tests. */
export interface TestBroker {
  broker: RunningBroker;
  bootstrap: string;
  dataDir: string;
  /** Stops the broker and starts a new one on the same port and data directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Broker settings for fast tests: no initial rebalance delay, one replica for internal topics. */
const TEST_DEFAULTS: Record<string, unknown> = {
  'group.initial.rebalance.delay.ms': 0,
  'offsets.topic.replication.factor': 1,
  'transaction.state.log.replication.factor': 1,
  'transaction.state.log.min.isr': 1,
};

export async function startTestBroker(overrides: Record<string, unknown> = {}): Promise<TestBroker> {
  const config = { ...TEST_DEFAULTS, ...overrides };
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tributary-client-'));
  let broker = await startBroker({ port: 0, dataDir, logLevel: 'silent', config });
  const port = broker.port;
  const t: TestBroker = {
    broker,
    bootstrap: broker.bootstrap,
    dataDir,
    async restart() {
      await broker.stop();
      broker = await startBroker({ port, dataDir, logLevel: 'silent', config });
      t.broker = broker;
    },
    async stop() {
      await broker.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}

let topicCounter = 0;

/** A topic name no other test uses. */
export function uniqueTopic(prefix = 't'): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${topicCounter++}`;
}

/** Waits until check() is true, polling; fails with `what` after timeoutMs. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
