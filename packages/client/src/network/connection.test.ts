import net from 'node:net';
import { ApiKey } from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, RequestTimeoutError } from '../errors.js';
import { type TestBroker, startTestBroker } from '../testing/broker.test.helper.js';
import { Connection } from './connection.js';

let tb: TestBroker;
beforeAll(async () => {
  tb = await startTestBroker();
});
afterAll(async () => {
  await tb?.stop();
});

describe('Connection against a Tributary broker', () => {
  it('negotiates versions with ApiVersions and picks the highest shared one', async () => {
    const conn = await Connection.connect({ host: tb.broker.host, port: tb.broker.port, clientId: 'test' });
    try {
      const advertised = conn.versions.get(ApiKey.ApiVersions)!;
      expect(advertised.maxVersion).toBeGreaterThanOrEqual(0);
      expect(conn.versionFor(ApiKey.ApiVersions)).toBe(Math.min(3, advertised.maxVersion));
    } finally {
      conn.close();
    }
  });

  it('keeps many requests in flight and routes each response by correlation id', async () => {
    const conn = await Connection.connect({ host: tb.broker.host, port: tb.broker.port, clientId: 'test' });
    try {
      const versions = [0, 1, 2, 3, 0, 3, 2, 1];
      const sends = versions.map((v) => conn.send(ApiKey.ApiVersions, v, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }));
      expect(conn.inFlight).toBe(versions.length);
      const responses = await Promise.all(sends);
      // v3 is flexible and v0-2 are not: a response routed to the wrong request would fail to decode.
      for (const r of responses) {
        expect(r.errorCode).toBe(0);
        expect(r.apiKeys.some((k) => k.apiKey === ApiKey.ApiVersions)).toBe(true);
      }
      expect(conn.inFlight).toBe(0);
    } finally {
      conn.close();
    }
  });

  it('fails requests in flight with a retriable ConnectionError when the connection closes', async () => {
    const conn = await Connection.connect({ host: tb.broker.host, port: tb.broker.port, clientId: 'test' });
    const pending = conn.send(ApiKey.ApiVersions, 0, { clientSoftwareName: '', clientSoftwareVersion: '' });
    conn.close();
    const err = await pending.then(
      () => null,
      (e: unknown) => e,
    );
    // Either the answer arrived first or the request failed as a connection error.
    if (err !== null) {
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as ConnectionError).retriable).toBe(true);
    }
    await expect(conn.send(ApiKey.ApiVersions, 0, { clientSoftwareName: '', clientSoftwareVersion: '' })).rejects.toBeInstanceOf(ConnectionError);
  });
});

describe('Connection against an unresponsive peer', () => {
  it('times a request out, fails it with RequestTimeoutError and closes the connection', async () => {
    // A listener that accepts and never answers: the client must not hang.
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      const err = await Connection.connect({ host: '127.0.0.1', port, clientId: 't', requestTimeoutMs: 300 }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RequestTimeoutError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });

  it('fails to connect to a closed port with a ConnectionError', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    await expect(Connection.connect({ host: '127.0.0.1', port, clientId: 't' })).rejects.toBeInstanceOf(ConnectionError);
  });
});
