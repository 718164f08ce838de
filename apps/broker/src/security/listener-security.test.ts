import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerConfig } from '../config/broker-config.js';
import { ConfigError } from '../config/config-error.js';
import { parseProperties } from '../config/properties.js';
import { resolveSecurity } from './listener-security.js';
import { makeTestCerts, type TestCerts } from './test-support/certs.js';

let certs: TestCerts;
beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => certs?.cleanup());

const config = (values: Record<string, unknown>) =>
  BrokerConfig.resolve([{ source: 'programmatic', origin: 'test', entries: Object.entries(values).map(([key, value]) => ({ key, value })) }]);

function problems(values: Record<string, unknown>): string {
  try {
    resolveSecurity(config(values));
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_bob="bob-secret";';

describe('SASL listener settings', () => {
  it('takes PLAIN users from the listener and mechanism JAAS line, with Kafka key names', () => {
    const s = resolveSecurity(
      config({
        listeners: 'PLAINTEXT://:0,SASL_PLAINTEXT://:0',
        'listener.name.sasl_plaintext.plain.sasl.jaas.config': PLAIN_JAAS,
        'listener.name.sasl_plaintext.scram-sha-512.connections.max.reauth.ms': 5000,
      }),
    );
    expect(s.listeners.get('PLAINTEXT')).toMatchObject({ sasl: null, tls: null });
    const sasl = s.listeners.get('SASL_PLAINTEXT')!.sasl!;
    expect(sasl.mechanisms).toEqual(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
    expect(Object.fromEntries(sasl.plainUsers)).toEqual({ alice: 'alice-secret', bob: 'bob-secret' });
    expect(sasl.reauthMs).toEqual({ PLAIN: 0, 'SCRAM-SHA-256': 0, 'SCRAM-SHA-512': 5000 });
    expect(sasl.maxReceiveSize).toBe(524288);
    expect(s.warnings).toEqual([]);
  });

  it('reads the JAAS line as Kafka docs write it in server.properties, continued over several lines', () => {
    const text = [
      'listeners=SASL_SSL://:0',
      `ssl.keystore.location=${certs.serverKeystorePath}`,
      'listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\',
      '    username="admin" password="admin-secret" \\',
      '    user_admin="admin-secret" \\',
      '    user_alice="alice-secret";',
    ].join('\n');
    const c = BrokerConfig.resolve([{ source: 'file', origin: 'server.properties', entries: parseProperties(text) }]);
    expect(Object.fromEntries(resolveSecurity(c).listeners.get('SASL_SSL')!.sasl!.plainUsers)).toEqual({ admin: 'admin-secret', alice: 'alice-secret' });
  });

  it('falls back to the unprefixed sasl.jaas.config (a Tributary convenience) and warns when PLAIN has no users', () => {
    const s = resolveSecurity(config({ listeners: 'SASL_PLAINTEXT://:0', 'sasl.jaas.config': PLAIN_JAAS }));
    expect([...s.listeners.get('SASL_PLAINTEXT')!.sasl!.plainUsers.keys()]).toEqual(['alice', 'bob']);
    const none = resolveSecurity(config({ listeners: 'SASL_PLAINTEXT://:0' }));
    expect(none.warnings.join('\n')).toMatch(/enables PLAIN but defines no PLAIN users.*listener.name.sasl_plaintext.plain.sasl.jaas.config/);
    // A shared line for another module is not PLAIN's: no users, no error.
    const scramLine = resolveSecurity(config({ listeners: 'SASL_PLAINTEXT://:0', 'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;' }));
    expect(scramLine.listeners.get('SASL_PLAINTEXT')!.sasl!.plainUsers.size).toBe(0);
  });

  it('refuses mechanisms it does not implement, wrong modules and bad JAAS syntax, naming the key and never the value', () => {
    expect(problems({ listeners: 'SASL_SSL://:0', 'sasl.enabled.mechanisms': 'GSSAPI', 'ssl.keystore.location': certs.serverKeystorePath })).toMatch(
      /sasl.enabled.mechanisms names GSSAPI for listener SASL_SSL, which Tributary does not implement/,
    );
    expect(problems({ listeners: 'SASL_PLAINTEXT://:0', 'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'plain' })).toMatch(
      /listener.name.sasl_plaintext.sasl.enabled.mechanisms names plain .*did you mean PLAIN\?/,
    );
    expect(
      problems({ listeners: 'SASL_PLAINTEXT://:0', 'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;' }),
    ).toMatch(/listener.name.sasl_plaintext.plain.sasl.jaas.config must use org.apache.kafka.common.security.plain.PlainLoginModule/);
    const bad = problems({ listeners: 'SASL_PLAINTEXT://:0', 'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.x.Plain required user_a="topsecret"' });
    expect(bad).toMatch(/listener.name.sasl_plaintext.plain.sasl.jaas.config is not a valid JAAS login module line: .*semi-colon/);
    expect(bad).not.toContain('topsecret');
    // GSSAPI only matters on SASL listeners: a PLAINTEXT broker with Kafka's default list starts.
    expect(resolveSecurity(config({ 'sasl.enabled.mechanisms': 'GSSAPI' })).listeners.get('PLAINTEXT')!.sasl).toBeNull();
  });
});

describe('TLS listener settings', () => {
  it('loads key and chain from ssl.keystore.location, and CAs from the trust store', () => {
    const s = resolveSecurity(
      config({
        listeners: 'SSL://:0',
        'ssl.keystore.location': certs.serverKeystorePath,
        'ssl.truststore.location': certs.caCertPath,
        'ssl.client.auth': 'required',
      }),
    );
    const tls = s.listeners.get('SSL')!.tls!;
    expect(tls.clientAuth).toBe('required');
    expect(tls.certificateSubject).toMatch(/CN=localhost/);
    expect(tls.contextOptions.ca).toHaveLength(1);
    expect(tls.contextOptions).toMatchObject({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
  });

  it('takes inline PEM, even with its line breaks lost to a properties continuation', () => {
    const oneLine = (f: string) => readFileSync(f, 'utf8').replace(/\n/g, '');
    const s = resolveSecurity(
      config({
        listeners: 'SASL_SSL://:0',
        'listener.name.sasl_ssl.ssl.keystore.certificate.chain': oneLine(certs.serverCertPath),
        'listener.name.sasl_ssl.ssl.keystore.key': oneLine(certs.serverKeyPath),
        'ssl.truststore.certificates': certs.caCert,
      }),
    );
    expect(s.listeners.get('SASL_SSL')!.tls!.certificateSubject).toMatch(/localhost/);
  });

  it('decrypts an encrypted key with ssl.key.password and says when it is missing or wrong', () => {
    expect(resolveSecurity(config({ listeners: 'SSL://:0', 'ssl.keystore.location': certs.serverEncryptedKeystorePath, 'ssl.key.password': certs.keyPassword })).listeners.get('SSL')!.tls).not.toBeNull();
    expect(problems({ listeners: 'SSL://:0', 'ssl.keystore.location': certs.serverEncryptedKeystorePath })).toMatch(/ssl.key.password: the private key in ssl.keystore.location is encrypted/);
    expect(problems({ listeners: 'SSL://:0', 'ssl.keystore.location': certs.serverEncryptedKeystorePath, 'ssl.key.password': 'nope' })).toMatch(/ssl.key.password: cannot decrypt/);
  });

  it('names the key at fault for missing, unreadable, mismatched and non-PEM material', () => {
    expect(problems({ listeners: 'SSL://:0' })).toMatch(/listener SSL uses TLS and needs the broker's private key and certificate: set ssl.keystore.location/);
    expect(problems({ listeners: 'SASL_SSL://:0' })).toMatch(/ssl.keystore.location/);
    expect(problems({ listeners: 'SSL://:0', 'listener.name.ssl.ssl.keystore.location': join(certs.dir, 'missing.pem') })).toMatch(
      /listener.name.ssl.ssl.keystore.location: cannot read .*missing.pem: ENOENT/,
    );
    const mismatched = join(certs.dir, 'mismatched.pem');
    writeFileSync(mismatched, readFileSync(certs.clientKeyPath, 'utf8') + readFileSync(certs.serverCertPath, 'utf8'));
    expect(problems({ listeners: 'SSL://:0', 'ssl.keystore.location': mismatched })).toMatch(/the private key does not belong to the first certificate/);
    expect(problems({ listeners: 'SSL://:0', 'ssl.keystore.location': certs.serverCertPath })).toMatch(/ssl.keystore.location: no PEM private key found/);
    expect(problems({ listeners: 'SSL://:0', 'ssl.keystore.location': certs.serverKeyPath })).toMatch(/ssl.keystore.location: no PEM certificate found/);
    expect(problems({ listeners: 'SSL://:0', 'ssl.keystore.type': 'JKS', 'ssl.keystore.location': 'server.jks', 'ssl.keystore.password': 'x' })).toMatch(
      /ssl.keystore.type: key store type JKS is not supported on listener SSL. Tributary reads PEM only.*keytool -importkeystore/,
    );
    expect(problems({ listeners: 'SSL://:0', 'ssl.keystore.location': certs.serverKeystorePath, 'ssl.keystore.password': 'x' })).toMatch(
      /a key store password cannot be used with PEM/,
    );
    expect(problems({ listeners: 'SSL://:0', 'ssl.keystore.key': 'x' })).toMatch(/must be given together/);
    expect(
      problems({ listeners: 'SSL://:0', 'ssl.keystore.location': certs.serverKeystorePath, 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': 'trust.p12' }),
    ).toMatch(/ssl.truststore.type: trust store type PKCS12 is not supported/);
    expect(problems({ listeners: 'SSL://:0', 'ssl.keystore.location': certs.serverKeystorePath, 'ssl.cipher.suites': 'NOT-A-CIPHER' })).toMatch(/ssl.cipher.suites: TLS settings of listener SSL rejected/);
  });

  it('lists the problems of every listener at once', () => {
    const message = problems({ listeners: 'SSL://:0,SASL_SSL://:0', 'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'OAUTHBEARER' });
    expect(message).toMatch(/3 problems/);
  });
});
