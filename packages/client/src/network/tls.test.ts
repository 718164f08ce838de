import { ApiKey } from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError } from '../errors.js';
import { Connection } from './connection.js';
import { type SecureTestBroker, startSecureTestBroker } from './secure-broker.test.helper.js';

// The client's TLS against the broker's own SSL listener (a certificate for localhost and
// 127.0.0.1, signed by a CA made for the test): handshake, certificate checks, framing over TLS.
let sb: SecureTestBroker;

beforeAll(async () => {
  sb = await startSecureTestBroker();
});
afterAll(async () => {
  await sb?.stop();
});

describe('TLS', () => {
  it('connects over TLS with a trusted CA and talks to the broker', async () => {
    const conn = await Connection.connect({ host: 'localhost', port: sb.port('SSL'), clientId: 't', tls: { ca: sb.ca } });
    try {
      const r = await conn.request(ApiKey.ApiVersions, () => ({ clientSoftwareName: 'x', clientSoftwareVersion: '1' }));
      expect(r.errorCode).toBe(0);
      expect(r.apiKeys.length).toBeGreaterThan(0);
      const md = await conn.request(ApiKey.Metadata, () => ({ topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }));
      expect(md.brokers.map((b) => b.port)).toEqual([sb.port('SSL')]);
    } finally {
      conn.close();
    }
  });

  it('verifies an IP address against the certificate too', async () => {
    const conn = await Connection.connect({ host: '127.0.0.1', port: sb.port('SSL'), clientId: 't', tls: { ca: sb.ca } });
    conn.close();
  });

  it('refuses a server certificate it cannot verify', async () => {
    const err = await Connection.connect({ host: 'localhost', port: sb.port('SSL'), clientId: 't', tls: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(String((err as Error).message)).toMatch(/certificate/i);
  });

  it('refuses a certificate issued for another host name', async () => {
    const err = await Connection.connect({ host: '127.0.0.1', port: sb.port('SSL'), clientId: 't', tls: { ca: sb.ca, servername: 'kafka.example.com' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(String((err as Error).message)).toMatch(/kafka\.example\.com|altnames|Hostname/i);
  });

  it('fails cleanly when speaking TLS to a plaintext listener', async () => {
    const err = await Connection.connect({ host: 'localhost', port: sb.port('PLAINTEXT'), clientId: 't', tls: { ca: sb.ca }, connectTimeoutMs: 3000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
  });
});
