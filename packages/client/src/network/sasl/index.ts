import type { SaslExchange, SaslOptions } from './mechanism.js';
import { PlainExchange } from './plain.js';
import { ScramExchange } from './scram.js';

export type { SaslExchange, SaslOptions } from './mechanism.js';

/** A fresh exchange for one connection's authentication. */
export function createSaslExchange(options: SaslOptions): SaslExchange {
  switch (options.mechanism) {
    case 'plain':
      return new PlainExchange(options.username, options.password, options.authorizationIdentity);
    case 'scram-sha-256':
      return new ScramExchange('SCRAM-SHA-256', options.username, options.password);
    case 'scram-sha-512':
      return new ScramExchange('SCRAM-SHA-512', options.username, options.password);
  }
}
