import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { ApiKey } from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError } from '../errors.js';
import { type TestBroker, startTestBroker } from '../testing/broker.test.helper.js';
import { Connection } from './connection.js';

// A TLS terminator in front of the in-process broker: the client's TLS handshake, certificate
// checks and framing over TLS run for real, against the real broker behind it.
let tb: TestBroker;
let dir: string;
let cert: Buffer;
let server: tls.Server;
let port: number;

beforeAll(async () => {
  tb = await startTestBroker();
  dir = mkdtempSync(path.join(tmpdir(), 'tributary-tls-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  cert = readFileSync(path.join(dir, 'cert.pem'));
  server = tls.createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert }, (clear) => {
    const upstream = net.connect(tb.broker.port, tb.broker.host);
    clear.pipe(upstream).pipe(clear);
    clear.on('error', () => upstream.destroy());
    upstream.on('error', () => clear.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  server?.close();
  await tb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('TLS', () => {
  it('connects over TLS with a trusted CA and talks to the broker', async () => {
    const conn = await Connection.connect({ host: 'localhost', port, clientId: 't', tls: { ca: cert } });
    try {
      const r = await conn.request(ApiKey.ApiVersions, () => ({ clientSoftwareName: 'x', clientSoftwareVersion: '1' }));
      expect(r.errorCode).toBe(0);
      expect(r.apiKeys.length).toBeGreaterThan(0);
    } finally {
      conn.close();
    }
  });

  it('refuses a server certificate it cannot verify', async () => {
    const err = await Connection.connect({ host: 'localhost', port, clientId: 't', tls: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(String((err as Error).message)).toMatch(/certificate/i);
  });
});
