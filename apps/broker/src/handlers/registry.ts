import { apiByKey, type ApiKey } from '@tributary/protocol';
import type { AnyApiHandler } from './handler.js';

/** One advertised entry of the ApiVersions response. */
export interface AdvertisedApi {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/**
 * The handlers the broker serves, by API key. Only these keys are advertised in ApiVersions and
 * accepted; a request for any other key closes the connection, as Kafka does.
 */
export class HandlerRegistry {
  private readonly byKey = new Map<number, AnyApiHandler>();
  private advertisedCache: readonly AdvertisedApi[] | undefined;

  constructor(handlers: Iterable<AnyApiHandler> = []) {
    for (const h of handlers) this.register(h);
  }

  /** Adds a handler; refuses a second handler for a key, or versions the generated codec lacks. */
  register(handler: AnyApiHandler): this {
    const spec = apiByKey[handler.apiKey];
    if (!spec) throw new Error(`no generated codec for API key ${handler.apiKey}`);
    if (this.byKey.has(handler.apiKey)) throw new Error(`a handler for ${spec.name} (key ${handler.apiKey}) is already registered`);
    const { min, max } = handler.versions;
    if (!(Number.isInteger(min) && Number.isInteger(max) && min >= spec.validVersions.min && max <= spec.validVersions.max && min <= max)) {
      throw new Error(
        `${spec.name} handler advertises versions ${min}-${max}, outside the codec's ${spec.validVersions.min}-${spec.validVersions.max}`,
      );
    }
    this.byKey.set(handler.apiKey, handler);
    this.advertisedCache = undefined;
    return this;
  }

  get(apiKey: number): AnyApiHandler | undefined {
    return this.byKey.get(apiKey);
  }

  has(apiKey: ApiKey): boolean {
    return this.byKey.has(apiKey);
  }

  /** The ApiVersions list: one entry per handler, in key order. */
  advertised(): readonly AdvertisedApi[] {
    this.advertisedCache ??= Object.freeze(
      [...this.byKey.values()]
        .sort((a, b) => a.apiKey - b.apiKey)
        .map((h) => Object.freeze({ apiKey: h.apiKey, minVersion: h.versions.min, maxVersion: h.versions.max })),
    );
    return this.advertisedCache;
  }
}
