import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthenticationError } from '../../errors.js';
import type { SaslExchange } from './mechanism.js';

type ScramDigest = 'sha256' | 'sha512';

const KEY_LENGTH: Record<ScramDigest, number> = { sha256: 32, sha512: 64 };
/** Kafka refuses fewer iterations (ScramMechanism.minIterations); a server asking fewer is suspect. */
const MIN_ITERATIONS = 4096;

/** RFC 5802 saslname: ',' and '=' in the user name are escaped as =2C and =3D. */
export function escapeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

function parseAttributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq !== 1) throw new AuthenticationError(`malformed SCRAM message attribute "${part}"`);
    out.set(part[0]!, part.slice(2));
  }
  return out;
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/**
 * SCRAM-SHA-256 / SCRAM-SHA-512 client (RFC 5802, RFC 7677), as Kafka's ScramSaslClient: no channel
 * binding (gs2 header "n,,"), and the server's final signature is verified, so a server that does
 * not know the password cannot pretend to. Passwords are used as given (no SASLprep), as Kafka's
 * Java client does.
 */
export class ScramExchange implements SaslExchange {
  readonly mechanism: string;
  private readonly digest: ScramDigest;
  private readonly clientNonce: string;
  private clientFirstBare = '';
  private expectedServerSignature: Buffer | null = null;
  private state: 'initial' | 'first-sent' | 'final-sent' | 'done' = 'initial';

  constructor(
    mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512',
    private readonly username: string,
    private readonly password: string,
    clientNonce?: string,
  ) {
    this.mechanism = mechanism;
    this.digest = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
    this.clientNonce = clientNonce ?? randomBytes(24).toString('base64url');
  }

  initialResponse(): Buffer {
    this.clientFirstBare = `n=${escapeSaslName(this.username)},r=${this.clientNonce}`;
    this.state = 'first-sent';
    return Buffer.from(`n,,${this.clientFirstBare}`, 'utf8');
  }

  evaluate(challenge: Buffer): Buffer | null {
    switch (this.state) {
      case 'first-sent':
        this.state = 'final-sent';
        return this.clientFinal(challenge.toString('utf8'));
      case 'final-sent':
        this.verifyServerFinal(challenge.toString('utf8'));
        this.state = 'done';
        return null;
      default:
        throw new AuthenticationError(`unexpected SCRAM message in state ${this.state}`);
    }
  }

  private clientFinal(serverFirst: string): Buffer {
    const attrs = parseAttributes(serverFirst);
    if (attrs.has('e')) throw new AuthenticationError(`SCRAM server error: ${attrs.get('e')}`);
    const nonce = attrs.get('r');
    const salt = attrs.get('s');
    const iterations = Number(attrs.get('i'));
    if (nonce === undefined || salt === undefined || !Number.isInteger(iterations)) {
      throw new AuthenticationError('SCRAM server-first message lacks r, s or i');
    }
    if (!nonce.startsWith(this.clientNonce) || nonce.length <= this.clientNonce.length) {
      throw new AuthenticationError('SCRAM server nonce does not extend the client nonce');
    }
    if (iterations < MIN_ITERATIONS) throw new AuthenticationError(`SCRAM iteration count ${iterations} is below ${MIN_ITERATIONS}`);

    const saltedPassword = pbkdf2Sync(Buffer.from(this.password, 'utf8'), Buffer.from(salt, 'base64'), iterations, KEY_LENGTH[this.digest], this.digest);
    const clientKey = this.hmac(saltedPassword, 'Client Key');
    const storedKey = createHash(this.digest).update(clientKey).digest();
    const clientFinalWithoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
    const clientSignature = this.hmac(storedKey, authMessage);
    const proof = xor(clientKey, clientSignature).toString('base64');
    const serverKey = this.hmac(saltedPassword, 'Server Key');
    this.expectedServerSignature = this.hmac(serverKey, authMessage);
    return Buffer.from(`${clientFinalWithoutProof},p=${proof}`, 'utf8');
  }

  private verifyServerFinal(serverFinal: string): void {
    const attrs = parseAttributes(serverFinal);
    if (attrs.has('e')) throw new AuthenticationError(`SCRAM authentication failed: ${attrs.get('e')}`);
    const v = attrs.get('v');
    const signature = v === undefined ? null : Buffer.from(v, 'base64');
    if (
      signature === null ||
      this.expectedServerSignature === null ||
      signature.length !== this.expectedServerSignature.length ||
      !timingSafeEqual(signature, this.expectedServerSignature)
    ) {
      throw new AuthenticationError('SCRAM server signature does not verify; the server does not know the credentials');
    }
  }

  private hmac(key: Buffer, data: string): Buffer {
    return createHmac(this.digest, key).update(data, 'utf8').digest();
  }
}
