import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName } from '../compat/support/in-process.js';
import { kcatConsume, kcatProduce, type KcatMetadata } from '../compat/support/kcat.js';
import { expectSuccess, runTool } from '../compat/support/tools.js';
import { RawClient } from '../test-support/raw-client.js';
import { makeTestCerts, type TestCerts } from './test-support/certs.js';
import { startSecureBroker, type SecureBroker } from './test-support/secure-broker.js';
import { createScramUsers } from './test-support/wire.js';

// kcat 1.7.1 (librdkafka 2.0.2, built with ssl, sasl_plain and sasl_scram: `kcat -X dump` lists
// builtin.features) against SSL, SASL_PLAINTEXT and SASL_SSL listeners. librdkafka authenticates
// with SaslHandshake v1 and SaslAuthenticate v0.

let certs: TestCerts;
let b: SecureBroker;

beforeAll(async () => {
  certs = makeTestCerts();
  b = await startSecureBroker('PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0', {
    'ssl.keystore.location': certs.serverKeystorePath,
  });
  const admin = await RawClient.connect(b.port('PLAINTEXT'));
  await createScramUsers(admin, [{ name: 'kc', password: 'kc-pw' }]);
  admin.close();
});
afterAll(async () => {
  await b?.close();
  certs?.cleanup();
});

describe('kcat (librdkafka 2.0.2) on secured listeners', () => {
  it('was built with SSL and SASL SCRAM support', async () => {
    const r = await runTool('kcat', ['-X', 'dump'], { timeoutMs: 10_000 });
    const features = /builtin\.features = (.*)/.exec(r.stdout)?.[1] ?? '';
    expect(features.split(',')).toEqual(expect.arrayContaining(['ssl', 'sasl_plain', 'sasl_scram']));
  });

  const cases: Array<[string, string, Record<string, string>]> = [
    ['SSL', 'SSL', { 'security.protocol': 'SSL' }],
    ['SASL_PLAINTEXT with PLAIN', 'SASL_PLAINTEXT', { 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanisms': 'PLAIN', 'sasl.username': 'alice', 'sasl.password': 'alice-secret' }],
    ['SASL_PLAINTEXT with SCRAM-SHA-256', 'SASL_PLAINTEXT', { 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanisms': 'SCRAM-SHA-256', 'sasl.username': 'kc', 'sasl.password': 'kc-pw' }],
    ['SASL_SSL with SCRAM-SHA-512', 'SASL_SSL', { 'security.protocol': 'SASL_SSL', 'sasl.mechanisms': 'SCRAM-SHA-512', 'sasl.username': 'kc', 'sasl.password': 'kc-pw' }],
  ];

  it.each(cases)('%s: metadata, produce and consume', async (_name, listener, base) => {
    const props = { ...base, ...(base['security.protocol']!.includes('SSL') && { 'ssl.ca.location': certs.caCertPath }) };
    const bootstrap = b.bootstrap(listener);
    const md = await kcatMetadataWith(bootstrap, props);
    expect(md.brokers).toEqual([{ id: 1, name: `127.0.0.1:${b.port(listener)}` }]);
    const topic = topicName('kcat-sec');
    await kcatProduce(bootstrap, topic, ['one', 'two', 'three'], { props });
    const messages = await kcatConsume(bootstrap, topic, { props });
    expect(messages.map((m) => m.payload)).toEqual(['one', 'two', 'three']);
  });

  it('reports a wrong password as an authentication error', async () => {
    const r = await runTool(
      'kcat',
      ['-L', '-b', b.bootstrap('SASL_PLAINTEXT'), '-m', '3', '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=SCRAM-SHA-256', '-X', 'sasl.username=kc', '-X', 'sasl.password=wrong'],
      { timeoutMs: 20_000 },
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256/);
  });

  it('fails to verify the broker without the CA', async () => {
    const r = await runTool('kcat', ['-L', '-b', b.bootstrap('SSL'), '-m', '3', '-X', 'security.protocol=SSL'], { timeoutMs: 20_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/certificate verify failed/);
  });
});

/** `kcat -L -J` with -X properties (the shared helper takes none). */
async function kcatMetadataWith(bootstrap: string, props: Record<string, string>): Promise<KcatMetadata> {
  const args = ['-L', '-J', '-b', bootstrap, '-m', '10', ...Object.entries(props).flatMap(([k, v]) => ['-X', `${k}=${v}`])];
  return JSON.parse(expectSuccess(`kcat ${args.join(' ')}`, await runTool('kcat', args, { timeoutMs: 20_000 })).stdout) as KcatMetadata;
}
