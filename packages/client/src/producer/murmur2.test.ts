import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey, toPositive } from './murmur2.js';

const require = createRequire(import.meta.url);
// kafkajs 2.2.4's DefaultPartitioner (formerly JavaCompatiblePartitioner): an independent
// implementation we compare against.
const { Partitioners } = require('kafkajs') as {
  Partitioners: {
    DefaultPartitioner: () => (args: {
      topic: string;
      partitionMetadata: Array<{ partitionId: number; leader: number }>;
      message: { key?: Buffer | string | null; partition?: number | null };
    }) => number;
  };
};
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer) => number;

describe('murmur2', () => {
  it('matches the vectors of Kafka UtilsTest.testMurmur2', () => {
    const cases: Array<[Uint8Array, number]> = [
      [Buffer.from('21'), -973932308],
      [Buffer.from('foobar'), -790332482],
      [Buffer.from('a-little-bit-long-string'), -985981536],
      [Buffer.from('a-little-bit-longer-string'), -1486304829],
      [Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'), -58897971],
      [Uint8Array.from([0x61, 0x62, 0x63]), 479470107],
    ];
    for (const [key, hash] of cases) expect(murmur2(key)).toBe(hash);
  });

  it('agrees with kafkajs on arbitrary bytes, including high bytes and every tail length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(murmur2(bytes)).toBe(kafkajsMurmur2(Buffer.from(bytes)));
      }),
      { numRuns: 500 },
    );
  });

  it('toPositive clears the sign bit rather than negating', () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(42)).toBe(42);
  });
});

describe('partitionForKey', () => {
  it('picks the same partition as kafkajs DefaultPartitioner for the same keys', () => {
    const partitioner = Partitioners.DefaultPartitioner();
    for (const numPartitions of [1, 3, 6, 17, 100]) {
      const partitionMetadata = Array.from({ length: numPartitions }, (_, partitionId) => ({ partitionId, leader: 0 }));
      for (let i = 0; i < 300; i++) {
        const key = Buffer.from(`key-${i}-${'x'.repeat(i % 7)}`);
        const expected = partitioner({ topic: 't', partitionMetadata, message: { key } });
        expect(partitionForKey(key, numPartitions)).toBe(expected);
      }
    }
  });
});
