import { pbkdf2Sync } from 'node:crypto';
import { ApiKey, ErrorCode, KafkaError } from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TributaryClient } from '../client.js';
import { AuthenticationError, isRetriableError } from '../errors.js';
import { uniqueTopic } from '../testing/broker.test.helper.js';
import { Connection } from './connection.js';
import type { SaslOptions } from './sasl/index.js';
import { type SecureTestBroker, startSecureTestBroker } from './secure-broker.test.helper.js';

// The client's SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 over SaslHandshake v1 + SaslAuthenticate)
// against the broker's SASL_PLAINTEXT and SASL_SSL listeners, end to end.
let sb: SecureTestBroker;

/** Creates (password) or deletes (null) a user's SCRAM credentials with AlterUserScramCredentials, over a PLAIN-authenticated connection. */
async function alterScramUser(name: string, password: string | null, broker: SecureTestBroker = sb): Promise<void> {
  const conn = await Connection.connect({ host: '127.0.0.1', port: broker.port('SASL_PLAINTEXT'), clientId: 'scram-admin', sasl: { mechanism: 'plain', username: 'admin', password: 'admin-secret' } });
  try {
    const mechanisms = [['sha256', 1, 32], ['sha512', 2, 64]] as const;
    const upsertions =
      password === null
        ? []
        : mechanisms.map(([digest, mechanism, length]) => {
            const salt = Buffer.from(`${name}-${digest}-salt`);
            return { name, mechanism, iterations: 4096, salt, saltedPassword: pbkdf2Sync(password, salt, 4096, length, digest) };
          });
    const deletions = password === null ? mechanisms.map(([, mechanism]) => ({ name, mechanism })) : [];
    const r = await conn.send(ApiKey.AlterUserScramCredentials, 0, { deletions, upsertions });
    expect(r.results).toEqual([{ user: name, errorCode: 0, errorMessage: null }]);
  } finally {
    conn.close();
  }
}

beforeAll(async () => {
  sb = await startSecureTestBroker();
  await alterScramUser('sam', 'sam-pw');
});
afterAll(async () => {
  await sb?.stop();
});

const connect = (listener: 'SASL_PLAINTEXT' | 'SASL_SSL', sasl: SaslOptions) =>
  Connection.connect({
    host: listener === 'SASL_SSL' ? 'localhost' : '127.0.0.1',
    port: sb.port(listener),
    clientId: 'sasl-test',
    sasl,
    ...(listener === 'SASL_SSL' && { tls: { ca: sb.ca } }),
  });

describe('SASL against the broker', () => {
  it.each([
    ['PLAIN', { mechanism: 'plain', username: 'alice', password: 'alice-secret' }],
    ['SCRAM-SHA-256', { mechanism: 'scram-sha-256', username: 'sam', password: 'sam-pw' }],
    ['SCRAM-SHA-512', { mechanism: 'scram-sha-512', username: 'sam', password: 'sam-pw' }],
  ] as Array<[string, SaslOptions]>)('authenticates with %s on SASL_PLAINTEXT and then serves requests', async (_n, sasl) => {
    const conn = await connect('SASL_PLAINTEXT', sasl);
    try {
      const md = await conn.request(ApiKey.Metadata, () => ({ topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }));
      expect(md.brokers.map((b) => b.port)).toEqual([sb.port('SASL_PLAINTEXT')]);
      const principals = sb.broker.connectionStats().map((s) => s.principal?.name);
      expect(principals).toContain(sasl.username);
    } finally {
      conn.close();
    }
  });

  it.each([
    ['PLAIN', 'SASL_PLAINTEXT', { mechanism: 'plain', username: 'alice', password: 'wrong' }, /Invalid username or password/],
    ['SCRAM-SHA-256', 'SASL_PLAINTEXT', { mechanism: 'scram-sha-256', username: 'sam', password: 'wrong' }, /invalid credentials with SASL mechanism SCRAM-SHA-256/],
    ['SCRAM-SHA-512 (unknown user)', 'SASL_SSL', { mechanism: 'scram-sha-512', username: 'nobody', password: 'x' }, /invalid credentials with SASL mechanism SCRAM-SHA-512/],
  ] as Array<[string, 'SASL_PLAINTEXT' | 'SASL_SSL', SaslOptions, RegExp]>)('refuses a wrong %s login with a non-retriable AuthenticationError', async (_n, listener, sasl, message) => {
    const err = await connect(listener, sasl).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(isRetriableError(err)).toBe(false);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).cause).toBeInstanceOf(KafkaError);
    expect(((err as Error).cause as KafkaError).code).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
  });

  it('says so when SASL is configured against a listener without SASL', async () => {
    const err = await Connection.connect({ host: '127.0.0.1', port: sb.port('PLAINTEXT'), clientId: 't', sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' } }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as Error).message).toMatch(/does not authenticate with SASL on this listener \(ILLEGAL_SASL_STATE\)/);
  });

  it('fails a producer with the AuthenticationError at once instead of retrying until a timeout', async () => {
    const client = new TributaryClient({ brokers: [sb.address('SASL_PLAINTEXT')], sasl: { mechanism: 'scram-sha-256', username: 'sam', password: 'wrong' } });
    const producer = client.producer({ maxBlockMs: 20_000 });
    const started = Date.now();
    try {
      const err = await producer.send({ topic: uniqueTopic('sasl-bad'), messages: [{ value: 'x' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthenticationError);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await producer.close();
    }
  });

  it.each([
    ['SCRAM-SHA-256 on SASL_PLAINTEXT', 'SASL_PLAINTEXT', { mechanism: 'scram-sha-256', username: 'sam', password: 'sam-pw' }],
    ['SCRAM-SHA-512 on SASL_SSL', 'SASL_SSL', { mechanism: 'scram-sha-512', username: 'sam', password: 'sam-pw' }],
    ['PLAIN on SASL_SSL', 'SASL_SSL', { mechanism: 'plain', username: 'alice', password: 'alice-secret' }],
  ] as Array<[string, 'SASL_PLAINTEXT' | 'SASL_SSL', SaslOptions]>)('produces and consumes with %s', async (_n, listener, sasl) => {
    const client = new TributaryClient({
      brokers: [listener === 'SASL_SSL' ? `localhost:${sb.port('SASL_SSL')}` : sb.address(listener)],
      sasl,
      ...(listener === 'SASL_SSL' && { tls: { ca: sb.ca } }),
    });
    const topic = uniqueTopic('sasl');
    const producer = client.producer();
    try {
      await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    } finally {
      await producer.close();
    }
    const consumer = client.consumer({ groupId: `${topic}-g`, autoOffsetReset: 'earliest', fetchMaxWaitMs: 100 });
    try {
      await consumer.subscribe({ topics: [topic] });
      const got: string[] = [];
      const deadline = Date.now() + 20_000;
      while (got.length < 5 && Date.now() < deadline) {
        for (const b of await consumer.poll(500)) for (const m of b.messages) got.push(m.value!.toString());
      }
      expect(got).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    } finally {
      await consumer.close();
    }
  });
});

describe('re-authentication (KIP-368) when the broker limits SASL sessions', () => {
  let rb: SecureTestBroker;
  beforeAll(async () => {
    rb = await startSecureTestBroker({ 'connections.max.reauth.ms': 600 });
  });
  afterAll(async () => {
    await rb?.stop();
  });

  const metadata = (conn: Connection) =>
    conn.request(ApiKey.Metadata, () => ({ topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }));

  it('re-authenticates on the same connection before the session ends, and keeps serving requests', async () => {
    await alterScramUser('rita', 'rita-pw', rb);
    const conn = await Connection.connect({ host: '127.0.0.1', port: rb.port('SASL_PLAINTEXT'), clientId: 'reauth', sasl: { mechanism: 'scram-sha-512', username: 'rita', password: 'rita-pw' } });
    try {
      const ids = new Set<number>();
      for (let i = 0; i < 10; i++) {
        await Promise.all([metadata(conn), metadata(conn)]);
        for (const s of rb.broker.connectionStats()) if (s.principal?.name === 'rita') ids.add(s.id);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(conn.isOpen).toBe(true);
      // One broker-side connection the whole time: the session was renewed, not the socket.
      expect(ids.size).toBe(1);
    } finally {
      conn.close();
    }
  });

  it('fails waiting requests with the AuthenticationError and closes when re-authentication is refused', async () => {
    await alterScramUser('temp', 'temp-pw', rb);
    const conn = await Connection.connect({ host: '127.0.0.1', port: rb.port('SASL_PLAINTEXT'), clientId: 'reauth', sasl: { mechanism: 'scram-sha-256', username: 'temp', password: 'temp-pw' } });
    await metadata(conn);
    await alterScramUser('temp', null, rb);
    await new Promise((r) => setTimeout(r, 650));
    const err = await metadata(conn).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(conn.isOpen).toBe(false);
  });
});
