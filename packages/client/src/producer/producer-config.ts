import { CompressionType } from '@tributary/protocol';
import { ConfigError } from '../errors.js';
import type { Partitioner } from './partitioner.js';

export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** Producer settings; names are Kafka's producer configs in camelCase, defaults are Kafka's. */
export interface ProducerConfig {
  /** acks: 'all' (-1, default), 1 (leader only) or 0 (no response). */
  acks?: 'all' | -1 | 0 | 1;
  /**
   * linger.ms: how long a partition's batch waits for more records before it is sent.
   * Default 5, as Kafka 4.0 (3.x used 0): a few ms make batches much larger under load at
   * almost no latency cost; records sent in one tick always share a batch regardless.
   */
  lingerMs?: number;
  /** batch.size: bytes per partition batch before it is sent without waiting; default 16384. */
  batchSize?: number;
  /** buffer.memory: bytes of unsent and unacknowledged records; send() waits when full; default 32 MiB. */
  bufferMemory?: number;
  /** max.block.ms: how long send() waits for buffer space or topic metadata; default 60000. */
  maxBlockMs?: number;
  /** max.request.size: bytes per Produce request and largest record; default 1048576. */
  maxRequestSize?: number;
  /** compression.type; default none. */
  compression?: CompressionName | CompressionType;
  /** enable.idempotence; default true (needs acks=all, retries > 0, max in flight ≤ 5). */
  idempotent?: boolean;
  /** max.in.flight.requests.per.connection; default 5. */
  maxInFlightRequestsPerConnection?: number;
  /** retries; default 2147483647 (bounded in practice by deliveryTimeoutMs). */
  retries?: number;
  /** delivery.timeout.ms: time from send() until a batch fails; default 120000. */
  deliveryTimeoutMs?: number;
  /** request.timeout.ms: also the Produce timeout the broker waits for replicas; default 30000. */
  requestTimeoutMs?: number;
  /** retry.backoff.ms; default 100. */
  retryBackoffMs?: number;
  /** retry.backoff.max.ms; default 1000. */
  retryBackoffMaxMs?: number;
  /** Replaces the default (Java-compatible murmur2 / sticky) partitioner. */
  partitioner?: Partitioner;
  /** Let Metadata requests create missing topics (when the broker allows it); default true. */
  allowAutoTopicCreation?: boolean;
}

export interface ResolvedProducerConfig {
  acks: -1 | 0 | 1;
  lingerMs: number;
  batchSize: number;
  bufferMemory: number;
  maxBlockMs: number;
  maxRequestSize: number;
  compression: CompressionType;
  idempotent: boolean;
  maxInFlight: number;
  retries: number;
  deliveryTimeoutMs: number;
  requestTimeoutMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  partitioner: Partitioner | undefined;
  allowAutoTopicCreation: boolean;
}

const CODECS: Record<CompressionName, CompressionType> = {
  none: CompressionType.None,
  gzip: CompressionType.Gzip,
  snappy: CompressionType.Snappy,
  lz4: CompressionType.Lz4,
  zstd: CompressionType.Zstd,
};

function nonNegativeInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) throw new ConfigError(`${name} must be a non-negative integer, not ${v}`);
  return v;
}

/**
 * Applies defaults and Kafka's consistency rules. Idempotence, when not set explicitly, is turned
 * off by settings it cannot work with (acks other than all, retries 0, more than 5 requests in
 * flight), as Java 3.2+ does; set explicitly, such a conflict is a ConfigError.
 */
export function resolveProducerConfig(c: ProducerConfig): ResolvedProducerConfig {
  const acks = c.acks === undefined || c.acks === 'all' ? -1 : c.acks;
  if (acks !== -1 && acks !== 0 && acks !== 1) throw new ConfigError(`acks must be all, -1, 0 or 1, not ${String(c.acks)}`);
  const retries = nonNegativeInt('retries', c.retries ?? 2147483647);
  const maxInFlight = nonNegativeInt('maxInFlightRequestsPerConnection', c.maxInFlightRequestsPerConnection ?? 5);
  if (maxInFlight < 1) throw new ConfigError('maxInFlightRequestsPerConnection must be at least 1');
  const conflict =
    acks !== -1 ? `acks=${acks}` : retries === 0 ? 'retries=0' : maxInFlight > 5 ? `maxInFlightRequestsPerConnection=${maxInFlight}` : null;
  if (c.idempotent === true && conflict) throw new ConfigError(`idempotence needs acks=all, retries > 0 and at most 5 requests in flight; got ${conflict}`);
  const idempotent = c.idempotent ?? conflict === null;

  let compression: CompressionType;
  if (c.compression === undefined) compression = CompressionType.None;
  else if (typeof c.compression === 'number') compression = c.compression;
  else {
    const codec = CODECS[c.compression];
    if (codec === undefined) throw new ConfigError(`unknown compression "${String(c.compression)}"`);
    compression = codec;
  }
  const batchSize = nonNegativeInt('batchSize', c.batchSize ?? 16384);
  const deliveryTimeoutMs = nonNegativeInt('deliveryTimeoutMs', c.deliveryTimeoutMs ?? 120_000);
  const lingerMs = nonNegativeInt('lingerMs', c.lingerMs ?? 5);
  const requestTimeoutMs = nonNegativeInt('requestTimeoutMs', c.requestTimeoutMs ?? 30_000);
  if (deliveryTimeoutMs < lingerMs + requestTimeoutMs) {
    throw new ConfigError(`deliveryTimeoutMs (${deliveryTimeoutMs}) must be at least lingerMs + requestTimeoutMs (${lingerMs + requestTimeoutMs})`);
  }
  return {
    acks,
    lingerMs,
    batchSize: Math.max(1, batchSize),
    bufferMemory: nonNegativeInt('bufferMemory', c.bufferMemory ?? 32 * 1024 * 1024),
    maxBlockMs: nonNegativeInt('maxBlockMs', c.maxBlockMs ?? 60_000),
    maxRequestSize: nonNegativeInt('maxRequestSize', c.maxRequestSize ?? 1_048_576),
    compression,
    idempotent,
    maxInFlight,
    retries,
    deliveryTimeoutMs,
    requestTimeoutMs,
    retryBackoffMs: nonNegativeInt('retryBackoffMs', c.retryBackoffMs ?? 100),
    retryBackoffMaxMs: nonNegativeInt('retryBackoffMaxMs', c.retryBackoffMaxMs ?? 1000),
    partitioner: c.partitioner,
    allowAutoTopicCreation: c.allowAutoTopicCreation ?? true,
  };
}
