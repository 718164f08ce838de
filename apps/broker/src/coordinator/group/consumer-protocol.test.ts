import fc from 'fast-check';
import { ProtocolError } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { decodeConsumerProtocolSubscription, decodeSubscribedTopics, encodeConsumerProtocolSubscription } from './consumer-protocol.js';

describe('consumer protocol subscription', () => {
  it('reads a v0 subscription laid out by hand (version, topics, user data)', () => {
    const buf = Buffer.concat([
      Buffer.from([0, 0]), // version 0
      Buffer.from([0, 0, 0, 2]), // 2 topics
      Buffer.from([0, 1]), Buffer.from('a'),
      Buffer.from([0, 2]), Buffer.from('bc'),
      Buffer.from([0, 0, 0, 1, 0x7f]), // user data: 1 byte
    ]);
    const s = decodeConsumerProtocolSubscription(buf);
    expect(s).toEqual({ version: 0, topics: ['a', 'bc'], userData: Buffer.from([0x7f]), ownedPartitions: [], generationId: -1, rackId: null });
    expect(decodeSubscribedTopics(buf)).toEqual(['a', 'bc']);
  });

  it('round-trips every version with the fields that version carries', () => {
    const arb = fc.record({
      version: fc.integer({ min: 0, max: 3 }),
      topics: fc.array(fc.string({ maxLength: 12 }), { maxLength: 5 }),
      userData: fc.option(fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a)), { nil: null }),
      ownedPartitions: fc.array(fc.record({ topic: fc.string({ maxLength: 8 }), partitions: fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 4 }) }), { maxLength: 3 }),
      generationId: fc.integer({ min: -1, max: 1 << 20 }),
      rackId: fc.option(fc.string({ maxLength: 6 }), { nil: null }),
    });
    fc.assert(
      fc.property(arb, (s) => {
        const d = decodeConsumerProtocolSubscription(encodeConsumerProtocolSubscription(s));
        expect(d.version).toBe(s.version);
        expect(d.topics).toEqual(s.topics);
        expect(d.userData).toEqual(s.userData);
        expect(d.ownedPartitions).toEqual(s.version >= 1 ? s.ownedPartitions : []);
        expect(d.generationId).toBe(s.version >= 2 ? s.generationId : -1);
        expect(d.rackId).toBe(s.version >= 3 ? s.rackId : null);
      }),
    );
  });

  it('reads a newer version than it knows by its known prefix, as Kafka does', () => {
    const v3 = encodeConsumerProtocolSubscription({ version: 3, topics: ['t'], rackId: 'r1' });
    const v9 = Buffer.concat([Buffer.from([0, 9]), v3.subarray(2), Buffer.from([1, 2, 3])]);
    expect(decodeSubscribedTopics(v9)).toEqual(['t']);
    expect(decodeConsumerProtocolSubscription(v9).rackId).toBe('r1');
  });

  it('raises ProtocolError on truncated or impossible input', () => {
    const good = encodeConsumerProtocolSubscription({ version: 1, topics: ['orders'], ownedPartitions: [{ topic: 'orders', partitions: [1, 2] }] });
    for (let cut = 0; cut < good.length; cut++) {
      expect(() => decodeConsumerProtocolSubscription(good.subarray(0, cut))).toThrow(ProtocolError);
    }
    expect(() => decodeSubscribedTopics(Buffer.from([0, 0, 0x7f, 0xff, 0xff, 0xff]))).toThrow(ProtocolError);
    expect(() => decodeSubscribedTopics(Buffer.from([0xff, 0xff]))).toThrow(ProtocolError);
  });
});
