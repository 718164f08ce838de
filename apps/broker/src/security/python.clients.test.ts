import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName } from '../compat/support/in-process.js';
import { PYTHON } from '../compat/support/python.js';
import { describeRun, runTool } from '../compat/support/tools.js';
import { memoryLogger } from '../test-support/test-env.js';
import { RawClient } from '../test-support/raw-client.js';
import { makeTestCerts, type TestCerts } from './test-support/certs.js';
import { startSecureBroker, type SecureBroker } from './test-support/secure-broker.js';
import { createScramUsers } from './test-support/wire.js';

// kafka-python 2.0.2 (SaslHandshake v0, then raw tokens) and confluent-kafka-python 1.7.0
// (librdkafka 2.0.2) on SSL, SASL_PLAINTEXT and SASL_SSL listeners, driven by the scripts in
// ../test-fixtures/python.

const FIXTURES = fileURLToPath(new URL('../test-fixtures/python/', import.meta.url));

interface Report {
  values?: string[];
  error?: string;
  message?: string;
}

async function runScript(script: string, arg: unknown): Promise<Report> {
  const r = await runTool(PYTHON, [join(FIXTURES, script), JSON.stringify(arg)], {
    timeoutMs: 60_000,
    env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || r.timedOut || !last.startsWith('{')) throw new Error(describeRun(`python3 ${script}`, r));
  return JSON.parse(last) as Report;
}

let certs: TestCerts;
let b: SecureBroker;
let logLines: () => Array<Record<string, unknown>>;

beforeAll(async () => {
  certs = makeTestCerts();
  const mem = memoryLogger('debug');
  logLines = mem.lines;
  b = await startSecureBroker(
    'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
    { 'ssl.keystore.location': certs.serverKeystorePath, 'group.initial.rebalance.delay.ms': 0 },
    { logger: mem.logger },
  );
  const admin = await RawClient.connect(b.port('PLAINTEXT'));
  await createScramUsers(admin, [{ name: 'py', password: 'py-pw' }]);
  admin.close();
});
afterAll(async () => {
  await b?.close();
  certs?.cleanup();
});

const three = ['v0', 'v1', 'v2'];

describe('kafka-python 2.0.2', () => {
  const cases: Array<[string, string, string | null, string, string]> = [
    ['SSL', 'SSL', null, '', ''],
    ['SASL_PLAINTEXT with PLAIN', 'SASL_PLAINTEXT', 'PLAIN', 'alice', 'alice-secret'],
    ['SASL_PLAINTEXT with SCRAM-SHA-256', 'SASL_PLAINTEXT', 'SCRAM-SHA-256', 'py', 'py-pw'],
    ['SASL_SSL with SCRAM-SHA-512', 'SASL_SSL', 'SCRAM-SHA-512', 'py', 'py-pw'],
  ];
  it.each(cases)('%s: produces and consumes', async (_n, listener, mechanism, username, password) => {
    const r = await runScript('security_kafka_python.py', {
      bootstrap: b.bootstrap(listener),
      topic: topicName('kpy-sec'),
      securityProtocol: listener,
      mechanism,
      username,
      password,
      caFile: listener.includes('SSL') ? certs.caCertPath : null,
      count: 3,
    });
    expect(r).toMatchObject({ values: three });
  });

  it('logged in with the raw exchange of SaslHandshake v0 (confluent-kafka below uses SaslAuthenticate)', () => {
    const successes = logLines().filter((l) => l.msg === 'SASL authentication succeeded');
    expect(new Set(successes.map((l) => l.mechanism))).toEqual(new Set(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']));
    expect(new Set(successes.map((l) => l.exchange))).toEqual(new Set(['raw']));
  });

  it('cannot connect with a wrong password: the broker closes the raw exchange, as Kafka does', async () => {
    const r = await runScript('security_kafka_python.py', {
      bootstrap: b.bootstrap('SASL_PLAINTEXT'),
      topic: topicName('kpy-bad'),
      securityProtocol: 'SASL_PLAINTEXT',
      mechanism: 'SCRAM-SHA-256',
      username: 'py',
      password: 'wrong',
      caFile: null,
      count: 1,
    });
    expect(r.error).toBe('NoBrokersAvailable');
    expect(logLines().some((l) => String(l.msg).startsWith('SASL authentication failed') && l.mechanism === 'SCRAM-SHA-256')).toBe(true);
  });
});

describe('confluent-kafka-python 1.7.0 (librdkafka 2.0.2)', () => {
  const cases: Array<[string, string, Record<string, string>]> = [
    ['SSL', 'SSL', { 'security.protocol': 'SSL' }],
    ['SASL_PLAINTEXT with PLAIN', 'SASL_PLAINTEXT', { 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanisms': 'PLAIN', 'sasl.username': 'bob', 'sasl.password': 'bob-secret' }],
    ['SASL_SSL with SCRAM-SHA-256', 'SASL_SSL', { 'security.protocol': 'SASL_SSL', 'sasl.mechanisms': 'SCRAM-SHA-256', 'sasl.username': 'py', 'sasl.password': 'py-pw' }],
  ];
  it.each(cases)('%s: produces and consumes with a group', async (_n, listener, base) => {
    const config = { ...base, ...(listener.includes('SSL') && { 'ssl.ca.location': certs.caCertPath }) };
    const r = await runScript('security_confluent.py', { bootstrap: b.bootstrap(listener), topic: topicName('ck-sec'), config, count: 3 });
    expect(r).toEqual({ values: three });
  });

  it('reports a wrong password as an authentication error', async () => {
    const r = await runScript('security_confluent.py', {
      bootstrap: b.bootstrap('SASL_PLAINTEXT'),
      topic: topicName('ck-bad'),
      config: { 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanisms': 'PLAIN', 'sasl.username': 'bob', 'sasl.password': 'nope' },
      count: 1,
    });
    expect(r.error).toBe('_AUTHENTICATION');
    expect(r.message).toMatch(/Authentication failed: Invalid username or password/);
  });
});
