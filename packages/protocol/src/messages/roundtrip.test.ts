import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allMessageCodecs } from './index.js';
import { structArb } from './schema-arbitraries.test.support.js';

/**
 * Every generated message (requests, responses, headers, data records) at every valid version:
 * decode(encode(v)) is v, and re-encoding the decoded value gives the same bytes.
 */

const RUNS_PER_VERSION = 15;

function versionsOf(codec: (typeof allMessageCodecs)[number]): number[] {
  const out: number[] = [];
  for (let v = codec.validVersions.min; v <= codec.validVersions.max; v++) out.push(v);
  return out;
}

describe('generated codecs round-trip', () => {
  it('covers all 88 APIs both ways, plus headers and data records', () => {
    const requests = allMessageCodecs.filter((c) => c.schema.kind === 'request');
    const responses = allMessageCodecs.filter((c) => c.schema.kind === 'response');
    expect(new Set(requests.map((c) => c.schema.apiKey)).size).toBe(88);
    expect(new Set(responses.map((c) => c.schema.apiKey)).size).toBe(88);
    expect(allMessageCodecs.some((c) => c.name === 'RequestHeader')).toBe(true);
  });

  for (const codec of allMessageCodecs) {
    it(`${codec.name} v${codec.validVersions.min}-${codec.validVersions.max}`, () => {
      for (const version of versionsOf(codec)) {
        // The all-defaults value encodes at every version and comes back unchanged.
        const defaults = codec.defaultValue();
        expect(codec.decode(codec.encode(defaults, version), version), `defaults at v${version}`).toStrictEqual(defaults);

        fc.assert(
          fc.property(structArb(codec.schema, version), (value) => {
            const bytes = codec.encode(value, version);
            const decoded = codec.decode(bytes, version);
            expect(decoded).toStrictEqual(value);
            expect(codec.encode(decoded, version).equals(bytes)).toBe(true);
          }),
          { numRuns: RUNS_PER_VERSION },
        );
      }
    });
  }
});
