import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from './consumer-protocol.js';

const require = createRequire(import.meta.url);
// kafkajs's own encoders for the same structures (what a kafkajs member sends and expects).
const kafkajsProtocol = require('kafkajs/src/consumer/assignerProtocol.js') as {
  MemberMetadata: { encode(m: { version: number; topics: string[]; userData?: Buffer }): Buffer; decode(b: Buffer): { version: number; topics: string[] } };
  MemberAssignment: {
    encode(a: { version: number; assignment: Record<string, number[]>; userData?: Buffer }): Buffer;
    decode(b: Buffer): { version: number; assignment: Record<string, number[]> } | null;
  };
};

describe('consumer protocol', () => {
  it('round-trips a v3 subscription with owned partitions, generation and rack', () => {
    const s = { topics: ['a', 'b'], userData: Buffer.from([1, 2]), ownedPartitions: new Map([['a', [0, 2]]]), generationId: 7, rackId: 'r1' };
    expect(decodeSubscription(encodeSubscription(s))).toEqual(s);
  });

  it('reads a kafkajs member subscription (v0) and writes one kafkajs reads', () => {
    const theirs = kafkajsProtocol.MemberMetadata.encode({ version: 0, topics: ['x', 'y'], userData: Buffer.alloc(0) });
    const decoded = decodeSubscription(theirs);
    expect(decoded.topics).toEqual(['x', 'y']);
    expect(decoded.ownedPartitions.size).toBe(0);
    const ours = encodeSubscription({ topics: ['x'], userData: null, ownedPartitions: new Map([['x', [1]]]), generationId: 3, rackId: null });
    expect(kafkajsProtocol.MemberMetadata.decode(ours).topics).toEqual(['x']);
  });

  it('exchanges assignments with kafkajs in both directions', () => {
    const ours = encodeAssignment(new Map([['t', [0, 3]], ['u', [1]]]));
    expect(kafkajsProtocol.MemberAssignment.decode(ours)!.assignment).toEqual({ t: [0, 3], u: [1] });
    const theirs = kafkajsProtocol.MemberAssignment.encode({ version: 0, assignment: { t: [5] }, userData: Buffer.alloc(0) });
    expect([...decodeAssignment(theirs).partitions]).toEqual([['t', [5]]]);
  });

  it('reads a newer version than it knows by ignoring the extra bytes', () => {
    const v3 = encodeSubscription({ topics: ['a'], userData: null, ownedPartitions: new Map(), generationId: 1, rackId: 'x' });
    const v9 = Buffer.concat([Buffer.from([0, 9]), v3.subarray(2), Buffer.from([0xde, 0xad])]);
    expect(decodeSubscription(v9).topics).toEqual(['a']);
  });

  it('treats an empty assignment buffer as no partitions', () => {
    expect(decodeAssignment(Buffer.alloc(0)).partitions.size).toBe(0);
  });
});
