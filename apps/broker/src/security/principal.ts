/**
 * Kafka's KafkaPrincipal: who a connection acts as, `User:<name>` for an authenticated user and
 * `User:ANONYMOUS` for PLAINTEXT (and SSL without a client certificate). Kept on the connection for
 * the authorizer (ACLs) to come.
 */
export interface KafkaPrincipal {
  readonly principalType: 'User';
  readonly name: string;
}

export const ANONYMOUS: KafkaPrincipal = Object.freeze({ principalType: 'User', name: 'ANONYMOUS' });

export function userPrincipal(name: string): KafkaPrincipal {
  return Object.freeze({ principalType: 'User', name });
}

/** `User:alice`, as Kafka prints principals (and as ACLs name them). */
export function formatPrincipal(p: KafkaPrincipal): string {
  return `${p.principalType}:${p.name}`;
}

export function samePrincipal(a: KafkaPrincipal, b: KafkaPrincipal): boolean {
  return a.principalType === b.principalType && a.name === b.name;
}
