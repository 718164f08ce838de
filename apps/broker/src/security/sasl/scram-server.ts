import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, hmac, xor, type ScramCredential, type ScramMechanism } from './scram-crypto.js';
import { formatServerFirst, parseClientFinal, parseClientFirst, ScramMessageError, type ClientFirstMessage } from './scram-messages.js';
import { SaslAuthenticationError, type SaslServer } from './sasl-server.js';

/** Finds a user's stored credential for a mechanism; undefined when there is none. */
export type ScramCredentialLookup = (username: string, mechanism: ScramMechanism) => Promise<ScramCredential | undefined>;

/** Per-process key for the stand-in credentials of unknown users (RFC 5802 §9). */
const MOCK_SALT_KEY = randomBytes(32);
const MOCK_ITERATIONS = 4096;

/**
 * SCRAM-SHA-256 / SCRAM-SHA-512 server (RFC 5802, RFC 7677), as Kafka's ScramSaslServer: one
 * client-first message answered with the server-first message (the client nonce extended with a
 * random one, the user's salt and iteration count), one client-final message whose proof is
 * checked against the stored key and answered with the server signature (`v=`).
 *
 * Beyond Kafka, following the RFC: an unknown user gets a stand-in salt (derived from the name, so
 * it is stable) and fails at the proof like a wrong password, so the exchange does not reveal which
 * users exist; the channel-binding data (`c=`) must repeat the gs2 header; a mandatory extension
 * (`m=`) fails. Failures carry the RFC's `e=` value, which SaslAuthenticate returns as its auth
 * bytes beside the error code.
 */
export class ScramSaslServer implements SaslServer {
  readonly mechanism: string;
  private state: 'first' | 'final' | 'complete' | 'failed' = 'first';
  private clientFirst: ClientFirstMessage | undefined;
  private serverFirst = '';
  private nonce = '';
  private credential: ScramCredential | undefined;
  private user = '';
  /** No usable stored credential: the exchange runs on a stand-in and must fail at the proof. */
  private unknownUser = false;

  constructor(
    private readonly scram: ScramMechanism,
    private readonly lookup: ScramCredentialLookup,
  ) {
    this.mechanism = scram.name;
  }

  get complete(): boolean {
    return this.state === 'complete';
  }

  get authorizationId(): string {
    return this.user;
  }

  async evaluate(token: Buffer): Promise<Buffer> {
    try {
      switch (this.state) {
        case 'first':
          return await this.first(token);
        case 'final':
          return this.final(token);
        default:
          throw new SaslAuthenticationError(`Unexpected SCRAM message in state ${this.state}`, 'other-error');
      }
    } catch (err) {
      this.state = 'failed';
      this.credential = undefined;
      if (err instanceof ScramMessageError) throw this.failure(err.serverError, err.message);
      throw err;
    }
  }

  private async first(token: Buffer): Promise<Buffer> {
    const msg = parseClientFirst(token);
    if (msg.extensions.get('tokenauth') === 'true') {
      throw this.failure('extensions-not-supported', 'delegation-token authentication (tokenauth) is not supported');
    }
    if (msg.authorizationId !== '' && msg.authorizationId !== msg.username) {
      // Kafka's own wording for this case (ScramSaslServer).
      throw new SaslAuthenticationError(
        'Authentication failed: Client requested an authorization id that is different from username',
        'other-error',
        `authorization id ${msg.authorizationId} differs from user ${msg.username}`,
      );
    }
    const stored = await this.lookup(msg.username, this.scram);
    // Credentials below the minimum cannot be created here; one loaded from elsewhere is refused like Kafka does.
    const usable = stored !== undefined && stored.iterations >= this.scram.minIterations ? stored : undefined;
    this.credential = usable ?? this.mockCredential(msg.username);
    this.clientFirst = msg;
    this.user = msg.username;
    this.nonce = msg.clientNonce + randomBytes(18).toString('base64url');
    this.serverFirst = formatServerFirst(this.nonce, this.credential.salt, this.credential.iterations);
    this.unknownUser = usable === undefined;
    this.state = 'final';
    return Buffer.from(this.serverFirst, 'utf8');
  }

  private final(token: Buffer): Buffer {
    const msg = parseClientFinal(token);
    const first = this.clientFirst!;
    const credential = this.credential!;
    if (!msg.channelBinding.equals(Buffer.from(first.gs2Header, 'utf8'))) {
      throw this.failure('channel-bindings-dont-match', 'c= does not repeat the gs2 header of the client-first message');
    }
    // RFC 5802 wants the nonce back exactly. librdkafka 2.0.2 sends its own nonce before the whole
    // combined one ("c1" + "c1s1"); Kafka accepts any nonce that ends with the combined one, and so
    // does this server (the random server part is still required; the proof signs what was sent).
    if (!msg.nonce.endsWith(this.nonce)) throw this.failure('other-error', 'the nonce of the client-final message does not end with the one the server sent');
    if (msg.proof.length !== this.scram.keyLength) throw this.failure('invalid-proof', `client proof of ${msg.proof.length} bytes`);
    const authMessage = `${first.bare},${this.serverFirst},${msg.withoutProof}`;
    const clientSignature = hmac(this.scram, credential.storedKey, authMessage);
    const clientKey = xor(msg.proof, clientSignature);
    if (!timingSafeEqual(hash(this.scram, clientKey), credential.storedKey) || this.unknownUser) {
      throw this.failure('invalid-proof', this.unknownUser ? `no ${this.mechanism} credential for user ${this.user}` : 'wrong password');
    }
    const serverSignature = hmac(this.scram, credential.serverKey, authMessage);
    this.credential = undefined;
    this.state = 'complete';
    return Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8');
  }

  /** Kafka's generic answer (it never says why), with the RFC's e= value and a reason for the log. */
  private failure(scramError: string, detail: string): SaslAuthenticationError {
    return new SaslAuthenticationError(
      `Authentication failed during authentication due to invalid credentials with SASL mechanism ${this.mechanism}`,
      scramError,
      detail,
    );
  }

  /** A stable stand-in for a user without credentials: same salt every time, a key nothing matches. */
  private mockCredential(username: string): ScramCredential {
    const salt = createHmac('sha256', MOCK_SALT_KEY).update(`${this.mechanism}\0${username}`).digest().subarray(0, 24);
    return { salt, storedKey: randomBytes(this.scram.keyLength), serverKey: randomBytes(this.scram.keyLength), iterations: MOCK_ITERATIONS };
  }
}
