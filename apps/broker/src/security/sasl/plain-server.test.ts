import { describe, expect, it } from 'vitest';
import { PlainSaslServer } from './plain-server.js';
import { SaslAuthenticationError } from './sasl-server.js';

const users = new Map([
  ['alice', 'alice-secret'],
  ['bob', 'b'],
]);
const token = (s: string) => Buffer.from(s, 'utf8');

async function failure(server: PlainSaslServer, t: Buffer): Promise<SaslAuthenticationError> {
  const err = await server.evaluate(t).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SaslAuthenticationError);
  expect(server.complete).toBe(false);
  return err as SaslAuthenticationError;
}

describe('PlainSaslServer', () => {
  it('authenticates authzid NUL user NUL password and answers an empty token', async () => {
    const s = new PlainSaslServer(users);
    expect(await s.evaluate(token('\0alice\0alice-secret'))).toEqual(Buffer.alloc(0));
    expect(s.complete).toBe(true);
    expect(s.authorizationId).toBe('alice');
    // kafka-python sends the user name as the authorization id too.
    const k = new PlainSaslServer(users);
    await k.evaluate(token('bob\0bob\0b'));
    expect(k.authorizationId).toBe('bob');
  });

  it("fails with Kafka's messages, the same for an unknown user as for a wrong password", async () => {
    expect((await failure(new PlainSaslServer(users), token('\0alice\0wrong'))).message).toBe('Authentication failed: Invalid username or password');
    expect((await failure(new PlainSaslServer(users), token('\0mallory\0alice-secret'))).message).toBe('Authentication failed: Invalid username or password');
    // A password that is a prefix, or longer, is as wrong as any other.
    expect((await failure(new PlainSaslServer(users), token('\0alice\0alice-secre'))).message).toMatch(/Invalid username or password/);
    expect((await failure(new PlainSaslServer(users), token('\0alice\0alice-secret!'))).message).toMatch(/Invalid username or password/);
    expect((await failure(new PlainSaslServer(users), token('\0\0x'))).message).toBe('Authentication failed: username not specified');
    expect((await failure(new PlainSaslServer(users), token('\0alice\0'))).message).toBe('Authentication failed: password not specified');
    expect((await failure(new PlainSaslServer(users), token('alice-secret'))).message).toBe('Invalid SASL/PLAIN response: expected 3 tokens, got 1');
    expect((await failure(new PlainSaslServer(users), token('a\0b\0c\0d\0e'))).message).toBe('Invalid SASL/PLAIN response: expected 3 tokens, got 4');
    expect((await failure(new PlainSaslServer(users), token('bob\0alice\0alice-secret'))).message).toBe(
      'Authentication failed: Client requested an authorization id that is different from username',
    );
  });

  it('keeps the user name out of the message sent to the client', async () => {
    const err = await failure(new PlainSaslServer(users), token('\0mallory\0x'));
    expect(err.message).not.toContain('mallory');
    expect(err.detail).toContain('mallory');
  });

  it('refuses a second token once complete', async () => {
    const s = new PlainSaslServer(users);
    await s.evaluate(token('\0alice\0alice-secret'));
    await expect(s.evaluate(token('\0alice\0alice-secret'))).rejects.toBeInstanceOf(SaslAuthenticationError);
  });
});
