import { randomBytes } from 'node:crypto';
import { ApiKey, decodeResponse, encodeRequest, ErrorCode } from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPrincipal } from '../security/principal.js';
import { startSecureBroker, type SecureBroker } from '../security/test-support/secure-broker.js';
import { apiVersions, call, createScramUsers, plainLogin, plainToken, scramLogin } from '../security/test-support/wire.js';
import { tempDir } from '../test-support/test-env.js';
import { frameOf, RawClient } from '../test-support/raw-client.js';

// Wire-level behaviour of SASL listeners, request by request, as Kafka's SaslServerAuthenticator
// and KafkaApis behave. Real clients are in ../security/*.clients.test.ts.
let b: SecureBroker;
let plain: number;
let sasl: number;

beforeAll(async () => {
  b = await startSecureBroker('PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0');
  plain = b.port('PLAINTEXT');
  sasl = b.port('SASL_PLAINTEXT');
  const admin = await RawClient.connect(plain);
  await createScramUsers(admin, [{ name: 'carol', password: 'carol-pw' }]);
  admin.close();
});
afterAll(async () => {
  await b?.close();
});

const metadataV8 = { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };

describe('SASL_PLAINTEXT listener, SaslHandshake v1 + SaslAuthenticate', () => {
  it('authenticates PLAIN after ApiVersions and then serves requests, with the endpoint of this listener', async () => {
    const c = await RawClient.connect(sasl);
    try {
      const versions = await apiVersions(c);
      expect(versions.errorCode).toBe(0);
      expect(versions.apiKeys.find((k) => k.apiKey === ApiKey.SaslAuthenticate)).toMatchObject({ minVersion: 0, maxVersion: 1 });
      const hs = await call(c, ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
      expect(hs).toEqual({ errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] });
      const auth = await call(c, ApiKey.SaslAuthenticate, 1, { authBytes: plainToken('alice', 'alice-secret') });
      expect(auth).toEqual({ errorCode: 0, errorMessage: null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n });
      const md = await call(c, ApiKey.Metadata, 8, metadataV8);
      expect(md.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: sasl, rack: null }]);
      const stats = b.broker.connectionStats().find((s) => s.remotePort === c.socket.localPort)!;
      expect(formatPrincipal(stats.principal!)).toBe('User:alice');
    } finally {
      c.close();
    }
  });

  it('answers Metadata on the PLAINTEXT listener with that listener, as User:ANONYMOUS', async () => {
    const c = await RawClient.connect(plain);
    try {
      expect((await call(c, ApiKey.Metadata, 8, metadataV8)).brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: plain, rack: null }]);
      const stats = b.broker.connectionStats().find((s) => s.remotePort === c.socket.localPort)!;
      expect(formatPrincipal(stats.principal!)).toBe('User:ANONYMOUS');
    } finally {
      c.close();
    }
  });

  it('refuses a wrong password with SASL_AUTHENTICATION_FAILED and a message, then closes', async () => {
    const c = await RawClient.connect(sasl);
    const auth = await plainLogin(c, 'alice', 'wrong');
    expect(auth.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(auth.errorMessage).toBe('Authentication failed: Invalid username or password');
    expect(await c.closesWithin(2000)).toBe(true);
  });

  it('answers an unknown mechanism with UNSUPPORTED_SASL_MECHANISM and the enabled list, then closes', async () => {
    const c = await RawClient.connect(sasl);
    const hs = await call(c, ApiKey.SaslHandshake, 1, { mechanism: 'GSSAPI' });
    expect(hs).toEqual({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] });
    expect(await c.closesWithin(2000)).toBe(true);
  });

  it('answers garbage SCRAM tokens with SASL_AUTHENTICATION_FAILED and the RFC 5802 e= value, then closes', async () => {
    const c = await RawClient.connect(sasl);
    await call(c, ApiKey.SaslHandshake, 1, { mechanism: 'SCRAM-SHA-256' });
    const auth = await call(c, ApiKey.SaslAuthenticate, 1, { authBytes: Buffer.from('definitely not scram') });
    expect(auth.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(auth.errorMessage).toBe('Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256');
    expect(auth.authBytes.toString()).toBe('e=invalid-encoding');
    expect(await c.closesWithin(2000)).toBe(true);
  });

  it('answers SaslAuthenticate on an authenticated connection, and SaslHandshake on PLAINTEXT, with ILLEGAL_SASL_STATE', async () => {
    const c = await RawClient.connect(sasl);
    try {
      expect((await plainLogin(c, 'bob', 'bob-secret', 0)).errorCode).toBe(0);
      const again = await call(c, ApiKey.SaslAuthenticate, 1, { authBytes: plainToken('bob', 'bob-secret') });
      expect(again).toMatchObject({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SaslAuthenticate request received after successful authentication' });
      // SaslAuthenticate v0 does not let the client re-authenticate (Kafka requires v1): a handshake is just refused.
      expect(await call(c, ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' })).toEqual({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] });
      expect((await call(c, ApiKey.Metadata, 8, metadataV8)).brokers).toHaveLength(1);
    } finally {
      c.close();
    }
    const p = await RawClient.connect(plain);
    try {
      expect(await call(p, ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' })).toEqual({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] });
      expect((await apiVersions(p)).errorCode).toBe(0);
    } finally {
      p.close();
    }
  });

  it('creates SCRAM users with AlterUserScramCredentials on an authenticated connection and lists them', async () => {
    const c = await RawClient.connect(sasl);
    try {
      await plainLogin(c, 'alice', 'alice-secret');
      await createScramUsers(c, [{ name: 'dan', password: 'dan-pw', mechanisms: ['SCRAM-SHA-512'] }]);
      const d = await call(c, ApiKey.DescribeUserScramCredentials, 0, { users: [{ name: 'dan' }, { name: 'carol' }] });
      expect(d.results).toEqual([
        { user: 'dan', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 2, iterations: 4096 }] },
        {
          user: 'carol',
          errorCode: 0,
          errorMessage: null,
          credentialInfos: [
            { mechanism: 1, iterations: 4096 },
            { mechanism: 2, iterations: 4096 },
          ],
        },
      ]);
    } finally {
      c.close();
    }
  });
});

describe('SCRAM users', () => {
  it('log in with SCRAM-SHA-256 and -512, the broker proving itself; a wrong password gets e=invalid-proof', async () => {
    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
      const c = await RawClient.connect(sasl);
      try {
        const { response, serverVerified } = await scramLogin(c, mechanism, 'carol', 'carol-pw');
        expect(response.errorCode).toBe(0);
        expect(serverVerified).toBe(true);
        expect((await call(c, ApiKey.Metadata, 8, metadataV8)).brokers).toHaveLength(1);
      } finally {
        c.close();
      }
    }
    const bad = await RawClient.connect(sasl);
    const { response } = await scramLogin(bad, 'SCRAM-SHA-256', 'carol', 'not-carol-pw');
    expect(response).toMatchObject({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, authBytes: Buffer.from('e=invalid-proof') });
    expect(await bad.closesWithin(2000)).toBe(true);
  });

  it('survive a broker restart (kept in the metadata store)', async () => {
    const t = await tempDir('tributary-scram-restart-');
    try {
      const first = await startSecureBroker('PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0', {}, { dataDir: t.dir });
      const admin = await RawClient.connect(first.port('PLAINTEXT'));
      await createScramUsers(admin, [{ name: 'kept', password: 'kept-pw', mechanisms: ['SCRAM-SHA-512'] }]);
      admin.close();
      await first.close();
      const second = await startSecureBroker('SASL_PLAINTEXT://127.0.0.1:0', {}, { dataDir: t.dir });
      try {
        const c = await RawClient.connect(second.port('SASL_PLAINTEXT'));
        expect((await scramLogin(c, 'SCRAM-SHA-512', 'kept', 'kept-pw')).serverVerified).toBe(true);
        c.close();
      } finally {
        await second.close();
      }
    } finally {
      await t.cleanup();
    }
  });
});

describe('SASL_PLAINTEXT listener, SaslHandshake v0 (raw tokens, as kafka-python 2.0.2)', () => {
  it('takes the PLAIN token without a Kafka header, answers an empty token, then serves requests', async () => {
    const c = await RawClient.connect(sasl);
    try {
      expect(await call(c, ApiKey.SaslHandshake, 0, { mechanism: 'PLAIN' })).toMatchObject({ errorCode: 0 });
      c.write(frameOf(plainToken('alice', 'alice-secret', 'alice')));
      expect((await c.next()).length).toBe(0);
      expect((await call(c, ApiKey.Metadata, 1, { topics: [], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false })).brokers[0]!.port).toBe(sasl);
    } finally {
      c.close();
    }
  });

  it('closes without a word on a wrong password', async () => {
    const c = await RawClient.connect(sasl);
    await call(c, ApiKey.SaslHandshake, 0, { mechanism: 'PLAIN' });
    c.write(frameOf(plainToken('alice', 'nope')));
    expect(await c.closesWithin(2000)).toBe(true);
    expect(c.buffered).toBe(0);
  });

  it('treats a second handshake as a (bad) SASL token and closes', async () => {
    const c = await RawClient.connect(sasl);
    await call(c, ApiKey.SaslHandshake, 0, { mechanism: 'SCRAM-SHA-512' });
    c.send(ApiKey.SaslHandshake, 0, 2, { mechanism: 'SCRAM-SHA-512' });
    expect(await c.closesWithin(2000)).toBe(true);
    expect(c.buffered).toBe(0);
  });
});

describe('hostile input before authentication', () => {
  it('closes on any other request before the handshake, unanswered', async () => {
    const c = await RawClient.connect(sasl);
    c.send(ApiKey.Metadata, 8, 1, metadataV8);
    expect(await c.closesWithin(2000)).toBe(true);
    expect(c.buffered).toBe(0);
  });

  it('closes on raw SASL tokens sent without a handshake', async () => {
    const c = await RawClient.connect(sasl);
    c.write(frameOf(plainToken('alice', 'alice-secret')));
    expect(await c.closesWithin(2000)).toBe(true);
    const g = await RawClient.connect(sasl);
    g.write(frameOf(randomBytes(5)));
    expect(await g.closesWithin(2000)).toBe(true);
  });

  it('closes on a second ApiVersions before the handshake, as Kafka does', async () => {
    const c = await RawClient.connect(sasl);
    await apiVersions(c);
    c.send(ApiKey.ApiVersions, 3, 5, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
    expect(await c.closesWithin(2000)).toBe(true);
  });

  it('lets ApiVersions be retried after an unsupported version, then authenticates', async () => {
    const c = await RawClient.connect(sasl);
    try {
      c.write(frameOf(encodeRequest(ApiKey.ApiVersions, 3, { correlationId: 7, clientId: 'x' }, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }).fill(0x7f, 2, 3)));
      expect(decodeResponse(ApiKey.ApiVersions, 0, await c.next()).body.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
      expect((await apiVersions(c)).errorCode).toBe(0);
      expect((await plainLogin(c, 'alice', 'alice-secret')).errorCode).toBe(0);
    } finally {
      c.close();
    }
  });

  it('answers a second handshake (v1) with ILLEGAL_SASL_STATE, then closes', async () => {
    const c = await RawClient.connect(sasl);
    await call(c, ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    expect(await call(c, ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' })).toEqual({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] });
    expect(await c.closesWithin(2000)).toBe(true);
  });

  it('closes before buffering a token above sasl.server.max.receive.size, and lifts the limit after authentication', async () => {
    const c = await RawClient.connect(sasl);
    await call(c, ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    const size = Buffer.alloc(4);
    size.writeInt32BE(524289, 0);
    c.write(size);
    expect(await c.closesWithin(2000)).toBe(true);

    const ok = await RawClient.connect(sasl);
    try {
      await plainLogin(ok, 'alice', 'alice-secret');
      // ~700 KB of topic names: over the SASL limit, well under socket.request.max.bytes.
      const topics = Array.from({ length: 3000 }, (_, i) => ({ name: `t${i}-${'x'.repeat(220)}`, topicId: Buffer.alloc(16) }));
      const md = await call(ok, ApiKey.Metadata, 8, { ...metadataV8, topics });
      expect(md.topics).toHaveLength(3000);
      expect(md.topics[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    } finally {
      ok.close();
    }
  });

  it('survives bursts of random frames on many connections and still authenticates', async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, () => RawClient.connect(sasl)));
    for (const [i, c] of clients.entries()) {
      if (i % 2 === 0) await call(c, ApiKey.SaslHandshake, i % 4 === 0 ? 1 : 0, { mechanism: i % 3 === 0 ? 'SCRAM-SHA-512' : 'PLAIN' });
      c.write(frameOf(randomBytes(1 + (i * 37) % 300)));
      c.write(randomBytes(50));
    }
    expect((await Promise.all(clients.map((c) => c.closesWithin(3000)))).every(Boolean)).toBe(true);
    const c = await RawClient.connect(sasl);
    try {
      expect((await plainLogin(c, 'bob', 'bob-secret')).errorCode).toBe(0);
    } finally {
      c.close();
    }
  });
});

describe('re-authentication (connections.max.reauth.ms)', () => {
  let r: SecureBroker;
  let port: number;
  beforeAll(async () => {
    r = await startSecureBroker('SASL_PLAINTEXT://127.0.0.1:0', { 'connections.max.reauth.ms': 600 });
    port = r.port('SASL_PLAINTEXT');
  });
  afterAll(async () => {
    await r?.close();
  });

  it('tells SaslAuthenticate v1 clients the session lifetime and lets them re-authenticate on the same connection', async () => {
    const c = await RawClient.connect(port);
    try {
      expect((await plainLogin(c, 'alice', 'alice-secret')).sessionLifetimeMs).toBe(600n);
      await new Promise((res) => setTimeout(res, 700));
      // Expired: a handshake still starts re-authentication.
      const again = await plainLogin(c, 'alice', 'alice-secret');
      expect(again).toMatchObject({ errorCode: 0, sessionLifetimeMs: 600n });
      expect((await call(c, ApiKey.Metadata, 8, metadataV8)).brokers).toHaveLength(1);
    } finally {
      c.close();
    }
  });

  it('refuses a re-authentication as another principal, then closes', async () => {
    const c = await RawClient.connect(port);
    await plainLogin(c, 'alice', 'alice-secret');
    const other = await plainLogin(c, 'bob', 'bob-secret');
    expect(other.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(other.errorMessage).toBe('Cannot change principals during re-authentication from User:alice: User:bob');
    expect(await c.closesWithin(2000)).toBe(true);
  });

  it('closes a connection used after its session expired, also for clients that cannot re-authenticate', async () => {
    const v1 = await RawClient.connect(port);
    await plainLogin(v1, 'alice', 'alice-secret');
    const v0 = await RawClient.connect(port);
    await plainLogin(v0, 'bob', 'bob-secret', 0);
    expect((await call(v0, ApiKey.Metadata, 8, metadataV8)).brokers).toHaveLength(1);
    await new Promise((res) => setTimeout(res, 700));
    for (const c of [v1, v0]) {
      c.send(ApiKey.Metadata, 8, 99, metadataV8);
      expect(await c.closesWithin(2000)).toBe(true);
      expect(c.buffered).toBe(0);
    }
  });
});
