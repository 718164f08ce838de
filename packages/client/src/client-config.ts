import type tls from 'node:tls';
import type { ClusterOptions } from './cluster/cluster.js';
import type { SaslOptions } from './network/sasl/index.js';

/** Settings shared by every producer, consumer and admin made from one client. */
export interface ClientConfig {
  /** Bootstrap brokers, "host:port"; any one reachable is enough. */
  brokers: string[];
  /** client.id, sent with every request; default "tributary". */
  clientId?: string;
  /** TLS: true for the system CAs, or Node's tls options (ca, cert, key, servername...). */
  tls?: boolean | tls.ConnectionOptions;
  /** SASL PLAIN or SCRAM-SHA-256/512 (SaslHandshake v1 + SaslAuthenticate). */
  sasl?: SaslOptions;
  /** socket.connection.setup.timeout.ms; default 10000. */
  connectTimeoutMs?: number;
  /** request.timeout.ms; default 30000. */
  requestTimeoutMs?: number;
  /** reconnect.backoff.ms; default 50. */
  reconnectBackoffMs?: number;
  /** reconnect.backoff.max.ms; default 1000. */
  reconnectBackoffMaxMs?: number;
  /** retry.backoff.ms; default 100. */
  retryBackoffMs?: number;
  /** retry.backoff.max.ms; default 1000. */
  retryBackoffMaxMs?: number;
  /** Retries of metadata, coordinator and admin requests after retriable errors; default 5. */
  retries?: number;
  /** metadata.max.age.ms; default 300000. */
  metadataMaxAgeMs?: number;
}

export function clusterOptions(c: ClientConfig, allowAutoTopicCreation: boolean, requestTimeoutMs?: number): ClusterOptions {
  return {
    brokers: c.brokers,
    clientId: c.clientId ?? 'tributary',
    ...(c.tls !== undefined && { tls: c.tls }),
    ...(c.sasl !== undefined && { sasl: c.sasl }),
    connectTimeoutMs: c.connectTimeoutMs ?? 10_000,
    requestTimeoutMs: requestTimeoutMs ?? c.requestTimeoutMs ?? 30_000,
    reconnectBackoffMs: c.reconnectBackoffMs ?? 50,
    reconnectBackoffMaxMs: c.reconnectBackoffMaxMs ?? 1000,
    metadataMaxAgeMs: c.metadataMaxAgeMs ?? 300_000,
    allowAutoTopicCreation,
    retry: {
      retries: c.retries ?? 5,
      initialMs: c.retryBackoffMs ?? 100,
      maxMs: c.retryBackoffMaxMs ?? 1000,
    },
  };
}
