import { CompressionType } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { resolveProducerConfig } from './producer-config.js';

describe('resolveProducerConfig', () => {
  it("uses Kafka's defaults: acks=all, idempotence on, batch.size 16384, 5 in flight, linger 5 ms", () => {
    const c = resolveProducerConfig({});
    expect(c).toMatchObject({ acks: -1, idempotent: true, batchSize: 16384, maxInFlight: 5, lingerMs: 5, bufferMemory: 33554432, deliveryTimeoutMs: 120000 });
    expect(c.compression).toBe(CompressionType.None);
  });

  it('turns idempotence off silently when acks is not all and it was not asked for (Java 3.2+)', () => {
    expect(resolveProducerConfig({ acks: 1 }).idempotent).toBe(false);
    expect(resolveProducerConfig({ acks: 0 }).idempotent).toBe(false);
    expect(resolveProducerConfig({ maxInFlightRequestsPerConnection: 6 }).idempotent).toBe(false);
  });

  it('refuses idempotence asked for together with settings it cannot work with', () => {
    expect(() => resolveProducerConfig({ idempotent: true, acks: 1 })).toThrow(ConfigError);
    expect(() => resolveProducerConfig({ idempotent: true, retries: 0 })).toThrow(ConfigError);
    expect(() => resolveProducerConfig({ idempotent: true, maxInFlightRequestsPerConnection: 6 })).toThrow(ConfigError);
  });

  it('maps codec names and refuses unknown ones', () => {
    expect(resolveProducerConfig({ compression: 'zstd' }).compression).toBe(CompressionType.Zstd);
    expect(resolveProducerConfig({ compression: 'lz4' }).compression).toBe(CompressionType.Lz4);
    expect(() => resolveProducerConfig({ compression: 'brotli' as never })).toThrow(ConfigError);
  });

  it('requires delivery.timeout.ms ≥ linger.ms + request.timeout.ms, as Kafka does', () => {
    expect(() => resolveProducerConfig({ deliveryTimeoutMs: 1000, requestTimeoutMs: 30000 })).toThrow(ConfigError);
  });
});
