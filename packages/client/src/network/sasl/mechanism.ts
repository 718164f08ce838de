/**
 * One SASL exchange, driven by the connection: the first client message, then each server
 * challenge answered until the mechanism reports completion. A fresh instance per connection.
 */
export interface SaslExchange {
  /** Kafka's name of the mechanism, sent in SaslHandshake. */
  readonly mechanism: string;
  /** The client's first message. */
  initialResponse(): Buffer;
  /**
   * Handles a server message; returns the next client message, or null when the exchange is
   * complete (and the server verified, where the mechanism can). Throws AuthenticationError.
   */
  evaluate(challenge: Buffer): Buffer | null;
}

export type SaslOptions =
  | { mechanism: 'plain'; username: string; password: string; authorizationIdentity?: string }
  | { mechanism: 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
