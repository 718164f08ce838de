import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../primitives/protocol-error.js';
import { BatchLayout, type RecordBatchView, batchViews } from './batch-header.js';
import { decodeRecordBatch } from './decode-record-batch.js';
import { decodeRecordBatches } from './decode-record-batches.js';
import { encodeRecordBatch } from './encode-record-batch.js';
import { batchInputArb } from './testing/arbitraries.test.helper.js';
import { fixBatch } from './testing/batch-bytes.test.helper.js';

/**
 * Feeds 100,000 random and mutated batches through the full decoder, the many-batch decoder and
 * the header view. The only acceptable failure is a ProtocolError; anything else (RangeError, a
 * native library error, a hang) fails the test. Mutations start from valid batches of every codec;
 * about half get their CRC recomputed so the record and decompression paths behind the CRC check
 * see hostile bytes too. Deterministic: a failure names its iteration and seed.
 */

const ITERATIONS = 100_000;
const SEED = 0x7f4a7c15;
const LIMITS = { maxDecompressedBytes: 1 << 20 };

/** xorshift32: fast, seedable, good enough to pick mutations. */
function prng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return {
    int: (n: number) => (n <= 0 ? 0 : next() % n),
    bool: (p = 0.5) => next() / 0x100000000 < p,
    byte: () => next() & 0xff,
  };
}
type Rng = ReturnType<typeof prng>;

function int32Edge(rng: Rng): number {
  const edges = [0, -1, 1, 0x7fffffff, -0x80000000, 48, 49, 60, 61, 1 << 20];
  return rng.bool(0.5) ? edges[rng.int(edges.length)]! : (rng.int(0x100000000) | 0);
}

/** Mutations; each returns a new buffer and whether it edited the batch length on purpose. */
const MUTATIONS: ((b: Buffer, rng: Rng, pool: Buffer[]) => { buf: Buffer; keepLength?: boolean })[] = [
  (b, rng) => {
    const c = Buffer.from(b);
    for (let i = 1 + rng.int(4); i > 0; i--) {
      const at = rng.int(c.length);
      c[at] = c[at]! ^ (1 << rng.int(8));
    }
    return { buf: c };
  },
  (b, rng) => ({ buf: Buffer.from(b.subarray(0, rng.int(b.length))), keepLength: true }),
  (b, rng) => {
    const c = Buffer.from(b);
    const len = rng.bool() ? int32Edge(rng) : c.readInt32BE(BatchLayout.BATCH_LENGTH) + rng.int(17) - 8;
    c.writeInt32BE(len | 0, BatchLayout.BATCH_LENGTH);
    return { buf: c, keepLength: true };
  },
  (b, rng) => {
    const c = Buffer.from(b);
    const count = rng.bool() ? int32Edge(rng) : c.readInt32BE(BatchLayout.RECORDS_COUNT) + rng.int(5) - 2;
    c.writeInt32BE(count | 0, BatchLayout.RECORDS_COUNT);
    return { buf: c };
  },
  (b, rng) => {
    // Overwrite bytes in the records section: varint continuation bits, -1s, random.
    const c = Buffer.from(b);
    if (c.length <= BatchLayout.HEADER_SIZE) return { buf: c };
    const at = BatchLayout.HEADER_SIZE + rng.int(c.length - BatchLayout.HEADER_SIZE);
    const pick = [0xff, 0x80, 0x01, 0x7f, rng.byte()];
    for (let i = 0, n = 1 + rng.int(6); i < n && at + i < c.length; i++) c[at + i] = pick[rng.int(pick.length)]!;
    return { buf: c };
  },
  (b, rng) => {
    const c = Buffer.from(b);
    c.writeInt16BE((c.readInt16BE(BatchLayout.ATTRIBUTES) & ~0x07) | rng.int(8), BatchLayout.ATTRIBUTES);
    return { buf: c };
  },
  (b, rng) => {
    const at = rng.int(b.length + 1);
    const junk = Buffer.from(Array.from({ length: 1 + rng.int(8) }, () => rng.byte()));
    return rng.bool()
      ? { buf: Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]) }
      : { buf: Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + junk.length))]) };
  },
  (b, rng, pool) => {
    // Header of one batch over the body of another (codec mismatch, counts that do not fit).
    const other = pool[rng.int(pool.length)]!;
    return { buf: Buffer.concat([b.subarray(0, BatchLayout.HEADER_SIZE), other.subarray(BatchLayout.HEADER_SIZE)]) };
  },
  (b, rng) => {
    const c = Buffer.from(b);
    c[BatchLayout.MAGIC] = rng.int(4);
    return { buf: c };
  },
];

function touchView(v: RecordBatchView): void {
  // Every getter must be in bounds for a view batchViews hands out.
  void [v.baseOffset, v.batchLength, v.sizeInBytes, v.partitionLeaderEpoch, v.magic, v.crc, v.attributes, v.compression];
  void [v.timestampType, v.isTransactional, v.isControl, v.hasDeleteHorizon, v.lastOffsetDelta, v.lastOffset];
  void [v.baseTimestamp, v.maxTimestamp, v.producerId, v.producerEpoch, v.baseSequence, v.lastSequence, v.recordCount];
  void [v.baseOffsetNum, v.lastOffsetNum, v.baseTimestampNum, v.maxTimestampNum, v.producerIdNum, v.bytes()];
  v.validate();
}

/** Runs one decoder; returns the ProtocolError kind, or 'ok'. Any other error escapes. */
async function outcome(run: () => unknown): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (err) {
    if (err instanceof ProtocolError) return err.kind;
    throw err;
  }
}

describe('record batch fuzz', () => {
  it(`throws only ProtocolError for ${ITERATIONS} random and mutated batches`, async () => {
    const inputs = fc.sample(batchInputArb({ maxRecords: 6, maxValue: 40 }), { seed: SEED, numRuns: 150 });
    const pool = await Promise.all(inputs.map((i) => encodeRecordBatch(i)));
    const rng = prng(SEED);
    const kinds = new Map<string, number>();
    let pastCrc = 0;
    let slowest = 0;

    for (let i = 0; i < ITERATIONS; i++) {
      let input: Buffer;
      if (rng.bool(0.08)) {
        input = Buffer.from(Array.from({ length: rng.int(120) }, () => rng.byte()));
        if (input.length > BatchLayout.MAGIC && rng.bool()) input[BatchLayout.MAGIC] = 2;
      } else {
        const { buf, keepLength } = MUTATIONS[rng.int(MUTATIONS.length)]!(pool[rng.int(pool.length)]!, rng, pool);
        input = rng.bool() ? fixBatch(buf, { length: !keepLength }) : buf;
      }
      const started = performance.now();
      try {
        const kind = await outcome(() => decodeRecordBatch(input, LIMITS));
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        if (kind !== 'CORRUPT_CRC') pastCrc++;
        await outcome(() => decodeRecordBatches(Buffer.concat([input, input]), { ...LIMITS, allowPartialTail: rng.bool() }));
        await outcome(() => {
          for (const v of batchViews(input, rng.bool())) touchView(v);
        });
      } catch (err) {
        throw new Error(`iteration ${i} (seed ${SEED}) threw a non-ProtocolError for input ${input.toString('hex')}: ${String(err)}`);
      }
      slowest = Math.max(slowest, performance.now() - started);
    }

    // The corpus must actually reach the code behind the CRC check and exercise many error kinds.
    expect(pastCrc).toBeGreaterThan(ITERATIONS * 0.3);
    expect(kinds.get('ok') ?? 0).toBeGreaterThan(ITERATIONS * 0.02);
    for (const kind of ['CORRUPT_CRC', 'TRUNCATED', 'INVALID_LENGTH', 'TRAILING_BYTES', 'UNKNOWN_CODEC', 'COMPRESSION_ERROR', 'LEGACY_MESSAGE_FORMAT']) {
      expect(kinds.get(kind) ?? 0, kind).toBeGreaterThan(0);
    }
    // No single input may stall the decoder.
    expect(slowest).toBeLessThan(2000);
  });
});
