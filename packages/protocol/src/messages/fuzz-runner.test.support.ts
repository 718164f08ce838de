import fc from 'fast-check';
import { decodeRequest, decodeRequestHeader, encodeRequest } from '../headers/frames.js';
import { ProtocolError } from '../primitives/protocol-error.js';
import { allMessageCodecs, apis, type ApiKey } from './index.js';
import { structArb } from './schema-arbitraries.test.support.js';

/**
 * Fuzz driver, run by fuzz.test.ts in a child process so a decoder that hung could be killed.
 * Feeds random and mutated frames to every message decoder at every version and to the
 * request-header and whole-request decoders; any error other than ProtocolError is a failure.
 * Usage: node --import tsx fuzz-runner.test.support.ts <shard> <shards> <framesPerVersion> <seed>
 * Prints one JSON line: { messageDecodes, frameDecodes, accepted, rejected, failures }.
 */

/** Small deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const [shard = 0, shards = 1, perVersion = 220, seed = 1] = process.argv.slice(2).map(Number);
const rand = prng(seed + shard * 7919);
const int = (n: number): number => Math.floor(rand() * n);

function randomBytes(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = int(256);
  return b;
}

/** Lengths and counts a hostile peer would send. */
const HOSTILE_INT32 = [0x7fffffff, -1, -2, 0x80000000 | 0, 0x10000, 0xfffffff];
const HOSTILE_INT16 = [0x7fff, -1, -2, -32768];

function mutate(base: Buffer): Buffer {
  let b = Buffer.from(base);
  const rounds = 1 + int(3);
  for (let k = 0; k < rounds; k++) {
    const at = b.length === 0 ? 0 : int(b.length);
    switch (int(9)) {
      case 0: // flip a bit
        if (b.length > 0) b[at] = b[at]! ^ (1 << int(8));
        break;
      case 1: // random byte
        if (b.length > 0) b[at] = int(256);
        break;
      case 2: // truncate
        b = b.subarray(0, at);
        break;
      case 3: // append garbage
        b = Buffer.concat([b, randomBytes(1 + int(8))]);
        break;
      case 4: // insert garbage
        b = Buffer.concat([b.subarray(0, at), randomBytes(1 + int(4)), b.subarray(at)]);
        break;
      case 5: // delete a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(4))]);
        break;
      case 6: // hostile int32 length or count
        if (at + 4 <= b.length) b.writeInt32BE(HOSTILE_INT32[int(HOSTILE_INT32.length)]!, at);
        break;
      case 7: // hostile int16 length
        if (at + 2 <= b.length) b.writeInt16BE(HOSTILE_INT16[int(HOSTILE_INT16.length)]!, at);
        break;
      case 8: // hostile varint (compact lengths, tag counts, tag sizes)
        b = Buffer.concat([b.subarray(0, at), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f].slice(int(4))), b.subarray(at + 1)]);
        break;
    }
  }
  return b;
}

let decodes = 0;
let messageDecodes = 0;
let accepted = 0;
let rejected = 0;
const failures: string[] = [];

function attempt(what: string, frame: Buffer, decode: (b: Buffer) => unknown): void {
  decodes++;
  try {
    decode(frame);
    accepted++;
  } catch (err) {
    if (err instanceof ProtocolError) {
      rejected++;
    } else if (failures.length < 20) {
      failures.push(`${what}: ${(err as Error)?.stack ?? String(err)} on ${frame.toString('hex')}`);
    }
  }
}

/** Valid encodings of a few random values plus the defaults, as seeds for mutation. */
function seedsFor(schema: Parameters<typeof structArb>[0], version: number, encode: (v: Record<string, unknown>) => Buffer, defaults: Buffer): Buffer[] {
  const values = fc.sample(structArb(schema, version), { numRuns: 4, seed: seed + version });
  return [defaults, ...values.map(encode)];
}

const codecs = allMessageCodecs.filter((_, i) => i % shards === shard);
for (const codec of codecs) {
  for (let version = codec.validVersions.min; version <= codec.validVersions.max; version++) {
    const bases = seedsFor(codec.schema, version, (v) => codec.encode(v, version), codec.encode(codec.defaultValue(), version));
    const what = `${codec.name} v${version}`;
    for (let k = 0; k < perVersion; k++) {
      const frame = k % 6 === 0 ? randomBytes(int(48)) : mutate(bases[int(bases.length)]!);
      attempt(what, frame, (b) => codec.decode(b, version));
    }
  }
}

messageDecodes = decodes;

// Whole request payloads (header + body) through the request-header and request decoders.
for (const api of apis.filter((_, i) => i % shards === shard)) {
  for (let version = api.validVersions.min; version <= api.validVersions.max; version++) {
    const header = { correlationId: int(1000), clientId: int(2) === 0 ? null : 'fuzz' };
    const bases = seedsFor(
      api.request.schema,
      version,
      (v) => encodeRequest(api.key as ApiKey, version, header, v as never),
      encodeRequest(api.key as ApiKey, version, header, api.request.defaultValue() as never),
    );
    for (let k = 0; k < 30; k++) {
      const frame = k % 6 === 0 ? randomBytes(int(32)) : mutate(bases[int(bases.length)]!);
      attempt(`request header ${api.name} v${version}`, frame, decodeRequestHeader);
      attempt(`request ${api.name} v${version}`, frame, decodeRequest);
    }
  }
}

const frameDecodes = decodes - messageDecodes;
process.stdout.write(`${JSON.stringify({ messageDecodes, frameDecodes, accepted, rejected, failures })}\n`);
