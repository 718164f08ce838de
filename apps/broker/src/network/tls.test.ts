import { readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { ApiKey } from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPrincipal } from '../security/principal.js';
import { makeTestCerts, type TestCerts } from '../security/test-support/certs.js';
import { startSecureBroker, type SecureBroker } from '../security/test-support/secure-broker.js';
import { TlsTestClient } from '../security/test-support/tls-client.js';
import { plainToken } from '../security/test-support/wire.js';

// TLS listeners at the wire: handshake, certificate checks, principals. Real clients over TLS are
// in ../security/*.clients.test.ts and packages/client/src/network/tls.test.ts.
let certs: TestCerts;
let b: SecureBroker;
let ca: Buffer;

const metadataV8 = { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };

function principalOf(client: TlsTestClient): string {
  const stats = b.broker.connectionStats().find((s) => s.remotePort === client.socket.localPort);
  return formatPrincipal(stats!.principal!);
}

beforeAll(async () => {
  certs = makeTestCerts();
  ca = readFileSync(certs.caCertPath);
  b = await startSecureBroker('SSL://127.0.0.1:0,MTLS://127.0.0.1:0,OPTIONAL://127.0.0.1:0,SASL_SSL://127.0.0.1:0', {
    'listener.security.protocol.map': 'SSL:SSL,MTLS:SSL,OPTIONAL:SSL,SASL_SSL:SASL_SSL',
    'ssl.keystore.location': certs.serverKeystorePath,
    'ssl.truststore.location': certs.caCertPath,
    'listener.name.mtls.ssl.client.auth': 'required',
    'listener.name.optional.ssl.client.auth': 'requested',
  });
});
afterAll(async () => {
  await b?.close();
  certs?.cleanup();
});

const clientCert = () => ({ cert: readFileSync(certs.clientCertPath), key: readFileSync(certs.clientKeyPath) });
const strangerCert = () => ({ cert: readFileSync(certs.strangerCertPath), key: readFileSync(certs.strangerKeyPath) });

describe('SSL listener', () => {
  it('serves Kafka requests over TLS, advertising its own endpoint, as User:ANONYMOUS', async () => {
    const c = await TlsTestClient.connect(b.port('SSL'), { ca });
    try {
      expect((await c.call(ApiKey.ApiVersions, 3, { clientSoftwareName: 'tls', clientSoftwareVersion: '1' })).errorCode).toBe(0);
      const md = await c.call(ApiKey.Metadata, 8, metadataV8);
      expect(md.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: b.port('SSL'), rack: null }]);
      expect(c.socket.getPeerCertificate().subject.CN).toBe('localhost');
      expect(principalOf(c)).toBe('User:ANONYMOUS');
    } finally {
      c.close();
    }
  });

  it('drops a plaintext client without answering it', async () => {
    const socket = tcpConnect(b.port('SSL'), '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', () => undefined);
    await new Promise((r) => socket.once('connect', r));
    // An ApiVersions v0 request in clear text.
    socket.write(Buffer.from('0000000e00120000000000010002', 'hex'));
    await new Promise((r) => socket.once('close', r));
    // Whatever came back is a TLS alert at most, never a Kafka response.
    expect(Buffer.concat(received).length).toBeLessThan(10);
  });

  it('is refused by a client that does not trust the CA', async () => {
    await expect(TlsTestClient.connect(b.port('SSL'), {})).rejects.toThrow(/certificate/i);
  });
});

describe('ssl.client.auth', () => {
  it('required: refuses a client without a certificate or with one the trust store did not sign', async () => {
    const attempt = async (extra: object) => {
      try {
        const c = await TlsTestClient.connect(b.port('MTLS'), { ca, ...extra });
        // TLS 1.3 reports the refusal after the handshake: the first request fails.
        await c.call(ApiKey.ApiVersions, 0, { clientSoftwareName: '', clientSoftwareVersion: '' });
        c.close();
        return 'accepted';
      } catch {
        return 'refused';
      }
    };
    expect(await attempt({})).toBe('refused');
    expect(await attempt(strangerCert())).toBe('refused');
  });

  it('required: a verified client certificate becomes User:<subject DN>', async () => {
    const c = await TlsTestClient.connect(b.port('MTLS'), { ca, ...clientCert() });
    try {
      expect((await c.call(ApiKey.Metadata, 8, metadataV8)).brokers[0]!.port).toBe(b.port('MTLS'));
      expect(principalOf(c)).toBe('User:CN=test-client,OU=Tests,O=Tributary');
    } finally {
      c.close();
    }
  });

  it('requested: lets a client without a certificate in as ANONYMOUS, refuses an unverifiable one', async () => {
    const anon = await TlsTestClient.connect(b.port('OPTIONAL'), { ca });
    try {
      expect((await anon.call(ApiKey.Metadata, 8, metadataV8)).brokers).toHaveLength(1);
      expect(principalOf(anon)).toBe('User:ANONYMOUS');
    } finally {
      anon.close();
    }
    // Refused either in the handshake or right after it (TLS 1.3 finishes the client side first).
    const stranger = await TlsTestClient.connect(b.port('OPTIONAL'), { ca, ...strangerCert() }).then(
      (c) => c.call(ApiKey.Metadata, 8, metadataV8).then(() => 'accepted', () => 'refused'),
      () => 'refused',
    );
    expect(stranger).toBe('refused');
    const known = await TlsTestClient.connect(b.port('OPTIONAL'), { ca, ...clientCert() });
    try {
      await known.call(ApiKey.Metadata, 8, metadataV8);
      expect(principalOf(known)).toBe('User:CN=test-client,OU=Tests,O=Tributary');
    } finally {
      known.close();
    }
  });
});

describe('shutdown', () => {
  it('does not wait for a client stuck before its TLS handshake', async () => {
    const other = await startSecureBroker('SSL://127.0.0.1:0', { 'ssl.keystore.location': certs.serverKeystorePath });
    const socket = tcpConnect(other.port('SSL'), '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((r) => socket.once('connect', r));
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(3000);
    socket.destroy();
  });
});

describe('SASL_SSL listener', () => {
  it('authenticates with SASL inside TLS; the principal is the SASL user', async () => {
    const c = await TlsTestClient.connect(b.port('SASL_SSL'), { ca });
    try {
      expect(await c.call(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' })).toMatchObject({ errorCode: 0 });
      expect(await c.call(ApiKey.SaslAuthenticate, 1, { authBytes: plainToken('bob', 'bob-secret') })).toMatchObject({ errorCode: 0 });
      expect((await c.call(ApiKey.Metadata, 8, metadataV8)).brokers[0]!.port).toBe(b.port('SASL_SSL'));
      expect(principalOf(c)).toBe('User:bob');
    } finally {
      c.close();
    }
  });

  it('closes a TLS connection that sends a request before authenticating', async () => {
    const c = await TlsTestClient.connect(b.port('SASL_SSL'), { ca });
    await expect(c.call(ApiKey.Metadata, 8, metadataV8)).rejects.toThrow(/closed/);
  });
});
