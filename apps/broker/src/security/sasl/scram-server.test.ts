import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SaslAuthenticationError } from './sasl-server.js';
import { credentialFromSaltedPassword, saltedPassword, SCRAM_SHA_256, SCRAM_SHA_512, type ScramCredential, type ScramMechanism } from './scram-crypto.js';
import { ScramSaslServer } from './scram-server.js';

// RFC 7677 §3: user "user", password "pencil", this salt, 4096 iterations.
const RFC_SALT = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');

function store(entries: Array<[string, ScramMechanism, string, Buffer?, number?]>) {
  const creds = new Map<string, ScramCredential>();
  for (const [user, m, password, salt = RFC_SALT, iterations = 4096] of entries) {
    creds.set(`${user}/${m.name}`, credentialFromSaltedPassword(m, salt, saltedPassword(m, password, salt, iterations), iterations));
  }
  return async (user: string, m: ScramMechanism) => creds.get(`${user}/${m.name}`);
}

/** RFC 5802's client side, written out independently of the server code. */
function clientFinal(m: ScramMechanism, password: string, clientFirstBare: string, serverFirst: string, gs2 = 'n,,') {
  const attrs = Object.fromEntries(serverFirst.split(',').map((p) => [p[0], p.slice(2)]));
  const salted = pbkdf2Sync(password, Buffer.from(attrs.s!, 'base64'), Number(attrs.i), m.keyLength, m.digest);
  const clientKey = createHmac(m.digest, salted).update('Client Key').digest();
  const storedKey = createHash(m.digest).update(clientKey).digest();
  const withoutProof = `c=${Buffer.from(gs2).toString('base64')},r=${attrs.r}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const signature = createHmac(m.digest, storedKey).update(authMessage).digest();
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
  const serverKey = createHmac(m.digest, salted).update('Server Key').digest();
  return {
    message: Buffer.from(`${withoutProof},p=${proof.toString('base64')}`),
    expectedServerFinal: `v=${createHmac(m.digest, serverKey).update(authMessage).digest('base64')}`,
    withoutProof,
  };
}

async function scramError(p: Promise<unknown>): Promise<SaslAuthenticationError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SaslAuthenticationError);
  return err as SaslAuthenticationError;
}

describe.each([SCRAM_SHA_256, SCRAM_SHA_512])('ScramSaslServer %s', (m) => {
  const lookup = store([['user', m, 'pencil']]);

  it('runs the RFC 5802 exchange: extends the nonce, sends salt and iterations, proves itself', async () => {
    const s = new ScramSaslServer(m, lookup);
    const first = (await s.evaluate(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'))).toString();
    expect(first).toMatch(/^r=rOprNGfwEbeRWgbNEkqO[\x21-\x2b\x2d-\x7e]+,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096$/);
    const f = clientFinal(m, 'pencil', 'n=user,r=rOprNGfwEbeRWgbNEkqO', first);
    expect((await s.evaluate(f.message)).toString()).toBe(f.expectedServerFinal);
    expect(s.complete).toBe(true);
    expect(s.authorizationId).toBe('user');
  });

  it('uses a fresh server nonce every time', async () => {
    const a = (await new ScramSaslServer(m, lookup).evaluate(Buffer.from('n,,n=user,r=abc'))).toString();
    const b = (await new ScramSaslServer(m, lookup).evaluate(Buffer.from('n,,n=user,r=abc'))).toString();
    expect(a.split(',')[0]).not.toBe(b.split(',')[0]);
  });

  it('refuses a wrong password with invalid-proof and Kafka\'s generic message', async () => {
    const s = new ScramSaslServer(m, lookup);
    const first = (await s.evaluate(Buffer.from('n,,n=user,r=abc'))).toString();
    const err = await scramError(s.evaluate(clientFinal(m, 'pencil2', 'n=user,r=abc', first).message));
    expect(err.scramError).toBe('invalid-proof');
    expect(err.message).toBe(`Authentication failed during authentication due to invalid credentials with SASL mechanism ${m.name}`);
    expect(s.complete).toBe(false);
  });

  it('answers an unknown user like a known one (stable stand-in salt) and fails it at the proof', async () => {
    const one = (await new ScramSaslServer(m, lookup).evaluate(Buffer.from('n,,n=nobody,r=abc'))).toString();
    const two = (await new ScramSaslServer(m, lookup).evaluate(Buffer.from('n,,n=nobody,r=xyz'))).toString();
    expect(one).toMatch(/,s=[A-Za-z0-9+/=]+,i=4096$/);
    expect(one.split(',').slice(1)).toEqual(two.split(',').slice(1));
    const s = new ScramSaslServer(m, lookup);
    const first = (await s.evaluate(Buffer.from('n,,n=nobody,r=abc'))).toString();
    const err = await scramError(s.evaluate(clientFinal(m, 'anything', 'n=nobody,r=abc', first).message));
    expect(err.scramError).toBe('invalid-proof');
    expect(err.message).not.toContain('nobody');
  });

  it('accepts the y flag and an authzid equal to the user, unescapes user names', async () => {
    const l = store([['us,er=', m, 'pw']]);
    const s = new ScramSaslServer(m, l);
    const bare = 'n=us=2Cer=3D,r=n1';
    const first = (await s.evaluate(Buffer.from(`y,a=us=2Cer=3D,${bare}`))).toString();
    await s.evaluate(clientFinal(m, 'pw', bare, first, 'y,a=us=2Cer=3D,').message);
    expect(s.authorizationId).toBe('us,er=');
  });

  it.each([
    ['p=tls-unique,,n=user,r=abc', 'channel-binding-not-supported'],
    ['n,,m=ext,n=user,r=abc', 'extensions-not-supported'],
    ['n,,n=us=er,r=abc', 'invalid-username-encoding'],
    ['n,,n=user,r=a,bc', 'invalid-encoding'],
    ['n,,n=user', 'invalid-encoding'],
    ['x,,n=user,r=abc', 'invalid-encoding'],
    ['n,,n=user,r=abc,tokenauth=true', 'extensions-not-supported'],
    ['n,a=other,n=user,r=abc', 'other-error'],
  ])('refuses the client-first message %j with e=%s', async (msg, code) => {
    const err = await scramError(new ScramSaslServer(m, lookup).evaluate(Buffer.from(msg)));
    expect(err.scramError).toBe(code);
  });

  it('refuses a client-first message that is not UTF-8', async () => {
    const err = await scramError(new ScramSaslServer(m, lookup).evaluate(Buffer.from([0x6e, 0x2c, 0x2c, 0xff, 0xfe])));
    expect(err.scramError).toBe('invalid-encoding');
  });

  describe('client-final checks', () => {
    async function started() {
      const s = new ScramSaslServer(m, lookup);
      const first = (await s.evaluate(Buffer.from('n,,n=user,r=abc'))).toString();
      return { s, first, good: clientFinal(m, 'pencil', 'n=user,r=abc', first) };
    }

    it('wants c= to repeat the gs2 header', async () => {
      const { s, good } = await started();
      const tampered = good.message.toString().replace('c=biws', `c=${Buffer.from('y,,').toString('base64')}`);
      expect((await scramError(s.evaluate(Buffer.from(tampered)))).scramError).toBe('channel-bindings-dont-match');
    });

    it('wants the nonce the server sent at the end of the client nonce (what Kafka checks)', async () => {
      const { s, good, first } = await started();
      const nonce = first.split(',')[0]!.slice(2);
      const tampered = good.message.toString().replace(`r=${nonce}`, `r=${nonce}x`);
      expect((await scramError(s.evaluate(Buffer.from(tampered)))).scramError).toBe('other-error');
      const { s: t, good: g, first: f } = await started();
      const n = f.split(',')[0]!.slice(2);
      const truncated = g.message.toString().replace(`r=${n}`, `r=${n.slice(0, -1)}`);
      expect((await scramError(t.evaluate(Buffer.from(truncated)))).scramError).toBe('other-error');
    });

    it("accepts librdkafka 2.0.2's nonce (its own nonce, then the combined one), signed as sent", async () => {
      const s = new ScramSaslServer(m, lookup);
      const first = (await s.evaluate(Buffer.from('n,,n=user,r=abc'))).toString();
      const combined = first.split(',')[0]!.slice(2);
      const librdkafkaFirst = first.replace(`r=${combined}`, `r=abc${combined}`);
      const f = clientFinal(m, 'pencil', 'n=user,r=abc', librdkafkaFirst);
      // The proof covers the server-first message the server really sent.
      const authMessage = `n=user,r=abc,${first},${f.withoutProof}`;
      const salted = pbkdf2Sync('pencil', RFC_SALT, 4096, m.keyLength, m.digest);
      const clientKey = createHmac(m.digest, salted).update('Client Key').digest();
      const signature = createHmac(m.digest, createHash(m.digest).update(clientKey).digest()).update(authMessage).digest();
      const proof = Buffer.from(clientKey.map((x, i) => x ^ signature[i]!)).toString('base64');
      await s.evaluate(Buffer.from(`${f.withoutProof},p=${proof}`));
      expect(s.complete).toBe(true);
    });

    it('wants a proof of the hash length', async () => {
      const { s, good } = await started();
      const tampered = `${good.withoutProof},p=${Buffer.alloc(m.keyLength - 1).toString('base64')}`;
      expect((await scramError(s.evaluate(Buffer.from(tampered)))).scramError).toBe('invalid-proof');
    });

    it('refuses a final message without p= and anything after completion', async () => {
      const { s, good } = await started();
      expect((await scramError(s.evaluate(Buffer.from(good.withoutProof)))).scramError).toBe('invalid-encoding');
      const again = await started();
      await again.s.evaluate(again.good.message);
      await scramError(again.s.evaluate(again.good.message));
    });
  });

  it('refuses a stored credential below the minimum iteration count like an unknown user', async () => {
    const weak = credentialFromSaltedPassword(m, RFC_SALT, saltedPassword(m, 'pencil', RFC_SALT, 1000), 1000);
    const s = new ScramSaslServer(m, async () => weak);
    const first = (await s.evaluate(Buffer.from('n,,n=user,r=abc'))).toString();
    expect(first).toMatch(/,i=4096$/);
    expect((await scramError(s.evaluate(clientFinal(m, 'pencil', 'n=user,r=abc', first).message))).scramError).toBe('invalid-proof');
  });

  it('answers any bytes with a SaslAuthenticationError or a next step, never another error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), async (a, b) => {
        const s = new ScramSaslServer(m, lookup);
        for (const t of [a, b]) {
          try {
            await s.evaluate(Buffer.from(t));
          } catch (err) {
            if (!(err instanceof SaslAuthenticationError)) throw err;
            return;
          }
        }
        expect(s.complete).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
