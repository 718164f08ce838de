import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthenticationError } from '../../errors.js';
import { PlainExchange } from './plain.js';
import { ScramExchange, escapeSaslName } from './scram.js';

describe('SCRAM-SHA-256', () => {
  // The example exchange of RFC 7677 section 3.
  const clientNonce = 'rOprNGfwEbeRWgbNEkqO';
  const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';

  it('reproduces the RFC 7677 example exchange', () => {
    const ex = new ScramExchange('SCRAM-SHA-256', 'user', 'pencil', clientNonce);
    expect(ex.initialResponse().toString()).toBe('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    expect(ex.evaluate(Buffer.from(serverFirst))!.toString()).toBe(
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    );
    expect(ex.evaluate(Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='))).toBeNull();
  });

  it('refuses a server signature that does not verify', () => {
    const ex = new ScramExchange('SCRAM-SHA-256', 'user', 'pencil', clientNonce);
    ex.initialResponse();
    ex.evaluate(Buffer.from(serverFirst));
    expect(() => ex.evaluate(Buffer.from('v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='))).toThrow(AuthenticationError);
  });

  it('refuses a server nonce that does not extend the client nonce', () => {
    const ex = new ScramExchange('SCRAM-SHA-256', 'user', 'pencil', clientNonce);
    ex.initialResponse();
    expect(() => ex.evaluate(Buffer.from('r=somethingElse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'))).toThrow(AuthenticationError);
  });

  it('reports a server error attribute', () => {
    const ex = new ScramExchange('SCRAM-SHA-256', 'user', 'pencil', clientNonce);
    ex.initialResponse();
    expect(() => ex.evaluate(Buffer.from('e=unknown-user'))).toThrow(/unknown-user/);
  });
});

describe('SCRAM-SHA-512', () => {
  it('computes the proof of RFC 5802 with SHA-512 and verifies the matching server signature', () => {
    // An independent computation of RFC 5802's formulas, written out step by step.
    const password = 'p@ss,word=';
    const salt = Buffer.from('c2FsdHNhbHRzYWx0', 'base64');
    const clientNonce = 'abc';
    const serverNonce = 'abcdef123';
    const serverFirst = `r=${serverNonce},s=${salt.toString('base64')},i=4096`;
    const ex = new ScramExchange('SCRAM-SHA-512', 'us,er=', password, clientNonce);
    expect(ex.initialResponse().toString()).toBe('n,,n=us=2Cer=3D,r=abc');
    const final = ex.evaluate(Buffer.from(serverFirst))!.toString();

    const salted = pbkdf2Sync(password, salt, 4096, 64, 'sha512');
    const clientKey = createHmac('sha512', salted).update('Client Key').digest();
    const storedKey = createHash('sha512').update(clientKey).digest();
    const authMessage = `n=us=2Cer=3D,r=abc,${serverFirst},c=biws,r=${serverNonce}`;
    const signature = createHmac('sha512', storedKey).update(authMessage).digest();
    const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!)).toString('base64');
    expect(final).toBe(`c=biws,r=${serverNonce},p=${proof}`);

    const serverKey = createHmac('sha512', salted).update('Server Key').digest();
    const serverSignature = createHmac('sha512', serverKey).update(authMessage).digest('base64');
    expect(ex.evaluate(Buffer.from(`v=${serverSignature}`))).toBeNull();
  });

  it('escapes = before , in user names', () => {
    expect(escapeSaslName('a=,b')).toBe('a=3D=2Cb');
  });
});

describe('PLAIN', () => {
  it('sends authzid NUL user NUL password in one message', () => {
    expect(new PlainExchange('alice', 'secret').initialResponse()).toEqual(Buffer.from('\0alice\0secret'));
    expect(new PlainExchange('alice', 'secret', 'admin').initialResponse()).toEqual(Buffer.from('admin\0alice\0secret'));
  });
});
