/**
 * The server side of one SASL mechanism for one connection (javax.security.sasl.SaslServer as
 * Kafka uses it): client tokens in, server tokens out, until the exchange is complete.
 */
export interface SaslServer {
  /** Kafka's name of the mechanism (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512). */
  readonly mechanism: string;
  /**
   * Evaluates the next client token and returns the server's answer (possibly empty). Throws
   * SaslAuthenticationError when the client fails to authenticate; the exchange cannot continue.
   */
  evaluate(token: Buffer): Promise<Buffer>;
  /** True once the client has authenticated. */
  readonly complete: boolean;
  /** The authenticated user name; only meaningful when complete. */
  readonly authorizationId: string;
}

/**
 * The client failed to authenticate. `message` is what the client is told (SaslAuthenticate's
 * error_message, as Kafka's SaslAuthenticationException), so it never says whether a user exists.
 * `scramError` is the RFC 5802 server-error value (`e=`) when the mechanism is SCRAM.
 */
export class SaslAuthenticationError extends Error {
  override readonly name = 'SaslAuthenticationError';
  constructor(
    message: string,
    readonly scramError?: string,
    /** What went wrong, for the broker's log only (may name the user). */
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** Kafka's SASL mechanism names implemented here. */
export const IMPLEMENTED_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type ImplementedMechanism = (typeof IMPLEMENTED_MECHANISMS)[number];

export function isImplementedMechanism(name: string): name is ImplementedMechanism {
  return (IMPLEMENTED_MECHANISMS as readonly string[]).includes(name);
}
