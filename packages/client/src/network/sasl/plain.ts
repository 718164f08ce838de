import type { SaslExchange } from './mechanism.js';

/** SASL PLAIN (RFC 4616): one message, [authzid] NUL authcid NUL passwd; the server answers empty. */
export class PlainExchange implements SaslExchange {
  readonly mechanism = 'PLAIN';

  constructor(
    private readonly username: string,
    private readonly password: string,
    private readonly authorizationIdentity = '',
  ) {}

  initialResponse(): Buffer {
    return Buffer.from(`${this.authorizationIdentity}\0${this.username}\0${this.password}`, 'utf8');
  }

  evaluate(): Buffer | null {
    return null;
  }
}
