import { readFileSync } from 'node:fs';
import kafkajs, { type KafkaConfig, type SASLOptions } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName } from '../compat/support/in-process.js';
import { memoryLogger } from '../test-support/test-env.js';
import { RawClient } from '../test-support/raw-client.js';
import { makeTestCerts, type TestCerts } from './test-support/certs.js';
import { plainJaas, startSecureBroker, type SecureBroker } from './test-support/secure-broker.js';
import { createScramUsers } from './test-support/wire.js';

// kafkajs 2.2.4 over SSL, SASL_PLAINTEXT and SASL_SSL listeners: PLAIN and SCRAM logins, a
// producer and a group consumer on each, a refused password, and re-authentication.

const { Kafka, logLevel } = kafkajs;

let certs: TestCerts;
let b: SecureBroker;
let logLines: () => Array<Record<string, unknown>>;

beforeAll(async () => {
  certs = makeTestCerts();
  const mem = memoryLogger('debug');
  logLines = mem.lines;
  b = await startSecureBroker(
    'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,REAUTH://127.0.0.1:0',
    {
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,REAUTH:SASL_PLAINTEXT',
      // Kafka's own key for PLAIN users; the other SASL listeners use the broker-wide fallback.
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': plainJaas({ carla: 'carla-pw' }),
      'ssl.keystore.location': certs.serverKeystorePath,
      'listener.name.reauth.connections.max.reauth.ms': 1500,
      'group.initial.rebalance.delay.ms': 0,
    },
    { logger: mem.logger },
  );
  const admin = await RawClient.connect(b.port('PLAINTEXT'));
  await createScramUsers(admin, [
    { name: 'scram256', password: 'pw-256', mechanisms: ['SCRAM-SHA-256'] },
    { name: 'scram512', password: 'pw-512', mechanisms: ['SCRAM-SHA-512'] },
  ]);
  admin.close();
});
afterAll(async () => {
  await b?.close();
  certs?.cleanup();
});

function client(listener: string, extra: Partial<KafkaConfig> = {}) {
  const problems: string[] = [];
  const kafka = new Kafka({
    clientId: `sec-${listener.toLowerCase()}`,
    brokers: [b.bootstrap(listener)],
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      problems.push(`${entry.namespace}: ${entry.log.message}`);
    },
    ...extra,
  });
  return { kafka, problems };
}

const ssl = () => ({ ca: [readFileSync(certs.caCertPath, 'utf8')], servername: 'localhost' });

/** Produces `count` messages, then reads them back with a consumer group; returns the values read. */
async function roundTrip(kafka: InstanceType<typeof Kafka>, count: number): Promise<string[]> {
  const topic = topicName('sec');
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
  } finally {
    await producer.disconnect();
  }
  const consumer = kafka.consumer({ groupId: `${topic}-g`, sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 200 });
  const seen: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${seen.length} of ${count} messages in time`)), 20_000);
      void consumer
        .run({
          eachMessage: async ({ message }) => {
            seen.push(message.value!.toString());
            if (seen.length === count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

const expected = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);

describe('kafkajs on secured listeners', () => {
  const cases: Array<[string, string, { ssl?: boolean; sasl?: SASLOptions }]> = [
    ['SSL', 'SSL', { ssl: true }],
    ['SASL_PLAINTEXT with PLAIN (listener-scoped JAAS line)', 'SASL_PLAINTEXT', { sasl: { mechanism: 'plain', username: 'carla', password: 'carla-pw' } }],
    ['SASL_PLAINTEXT with SCRAM-SHA-256', 'SASL_PLAINTEXT', { sasl: { mechanism: 'scram-sha-256', username: 'scram256', password: 'pw-256' } }],
    ['SASL_SSL with SCRAM-SHA-512', 'SASL_SSL', { ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'scram512', password: 'pw-512' } }],
    ['SASL_SSL with PLAIN (broker-wide JAAS line)', 'SASL_SSL', { ssl: true, sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' } }],
  ];
  it.each(cases)('%s: produces and consumes', async (_name, listener, opts) => {
    const { kafka, problems } = client(listener, { ...(opts.ssl && { ssl: ssl() }), ...(opts.sasl && { sasl: opts.sasl }) });
    expect(await roundTrip(kafka, 5), problems.join('\n')).toEqual(expected(5));
  });

  it.each([
    ['PLAIN', { mechanism: 'plain', username: 'carla', password: 'nope' }, /SASL PLAIN authentication failed: Authentication failed: Invalid username or password/],
    ['SCRAM-SHA-256', { mechanism: 'scram-sha-256', username: 'scram256', password: 'nope' }, /SASL SCRAM SHA256 authentication failed.*invalid credentials/],
    ['SCRAM-SHA-512 (unknown user)', { mechanism: 'scram-sha-512', username: 'nobody', password: 'nope' }, /SASL SCRAM SHA512 authentication failed.*invalid credentials/],
  ] as Array<[string, SASLOptions, RegExp]>)('refuses a wrong %s password with a clear error and closes the connection', async (_n, sasl, message) => {
    const { kafka } = client('SASL_PLAINTEXT', { sasl, retry: { retries: 0 } });
    const producer = kafka.producer();
    const err = await producer.connect().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.name).toBe('KafkaJSSASLAuthenticationError');
    expect(err?.message).toMatch(message);
    await producer.disconnect();
    // The broker closed its side: no connection on that listener stays open.
    const deadline = Date.now() + 2000;
    const open = () => b.broker.connectionStats().filter((s) => s.listenerName === 'SASL_PLAINTEXT');
    while (open().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(open()).toEqual([]);
  });

  it('re-authenticates before the session ends (connections.max.reauth.ms) and keeps working on the same connection', async () => {
    const { kafka, problems } = client('REAUTH', {
      sasl: { mechanism: 'scram-sha-256', username: 'scram256', password: 'pw-256' },
      // kafkajs re-authenticates when less than this is left of the 1.5 s session.
      reauthenticationThreshold: 1000,
    } as Partial<KafkaConfig>);
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    const topic = topicName('reauth');
    try {
      for (let i = 0; i < 8; i++) {
        await producer.send({ topic, messages: [{ value: `r${i}` }] });
        await new Promise((r) => setTimeout(r, 400));
      }
    } finally {
      await producer.disconnect();
    }
    const successes = logLines().filter((l) => l.msg === 'SASL authentication succeeded' && l.listener === 'REAUTH');
    const perConnection = new Map<unknown, number>();
    for (const l of successes) perConnection.set(l.conn, (perConnection.get(l.conn) ?? 0) + 1);
    expect(Math.max(...perConnection.values()), problems.join('\n')).toBeGreaterThanOrEqual(2);
    expect(logLines().filter((l) => String(l.msg).includes('SASL session expired'))).toEqual([]);
  });
});
