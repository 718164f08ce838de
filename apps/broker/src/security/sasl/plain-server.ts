import { createHash, timingSafeEqual } from 'node:crypto';
import { SaslAuthenticationError, type SaslServer } from './sasl-server.js';

/**
 * SASL PLAIN (RFC 4616) against the users of a listener's JAAS line, as Kafka's PlainSaslServer
 * with its PlainServerCallbackHandler: one message `[authzid] NUL authcid NUL passwd`, answered with
 * an empty token on success. The error messages are Kafka's. Passwords are compared in constant
 * time over their SHA-256 digests, so neither the content nor the length of the expected password
 * shows in the timing, and an unknown user costs the same as a wrong password.
 */
export class PlainSaslServer implements SaslServer {
  readonly mechanism = 'PLAIN';
  private done = false;
  private user = '';

  constructor(private readonly users: ReadonlyMap<string, string>) {}

  get complete(): boolean {
    return this.done;
  }

  get authorizationId(): string {
    return this.user;
  }

  async evaluate(token: Buffer): Promise<Buffer> {
    if (this.done) throw new SaslAuthenticationError('Authentication failed: PLAIN exchange already complete');
    const text = token.toString('utf8');
    const tokens = text.split('\0');
    if (tokens.length !== 3) {
      throw new SaslAuthenticationError(`Invalid SASL/PLAIN response: expected 3 tokens, got ${Math.min(tokens.length, 4)}`);
    }
    const [authzid, username, password] = tokens as [string, string, string];
    if (username === '') throw new SaslAuthenticationError('Authentication failed: username not specified');
    if (password === '') throw new SaslAuthenticationError('Authentication failed: password not specified');
    const expected = this.users.get(username);
    const ok = equalInConstantTime(password, expected ?? '\0unknown user\0');
    if (!ok || expected === undefined) {
      throw new SaslAuthenticationError('Authentication failed: Invalid username or password', undefined, expected === undefined ? `unknown PLAIN user ${username}` : `wrong password for ${username}`);
    }
    if (authzid !== '' && authzid !== username) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    this.user = username;
    this.done = true;
    return Buffer.alloc(0);
  }
}

function equalInConstantTime(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}
