import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeRequest } from '../headers/frames.js';
import { ProtocolError } from '../primitives/protocol-error.js';
import { Writer } from '../primitives/writer.js';
import { ApiKey, decodeCreateTopicsRequest, decodeMetadataRequest, decodeProduceRequest, encodeRequest } from '../index.js';

/**
 * Random and mutated frames through every decoder. The bulk runs in two child processes (one per
 * core) so that a decoder stuck in a loop would be killed by the time limit instead of hanging the
 * test run; each child reports how many frames it decoded or rejected and any other error.
 */

const RUNNER = fileURLToPath(new URL('./fuzz-runner.test.support.ts', import.meta.url));
const TIME_LIMIT_MS = 90_000;
const FRAMES_PER_VERSION = 220;
const SEED = 20240611;

interface FuzzReport {
  messageDecodes: number;
  frameDecodes: number;
  accepted: number;
  rejected: number;
  failures: string[];
}

function runShard(shard: number, shards: number): Promise<FuzzReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', RUNNER, `${shard}`, `${shards}`, `${FRAMES_PER_VERSION}`, `${SEED}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fuzz shard ${shard} exceeded ${TIME_LIMIT_MS} ms (a decoder may loop forever)`));
    }, TIME_LIMIT_MS);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`fuzz shard ${shard} exited with ${code}: ${err}`));
      else resolve(JSON.parse(out) as FuzzReport);
    });
  });
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('decoder fuzzing', () => {
  it('decodes or rejects with ProtocolError over 100,000 random and mutated frames', async () => {
    const reports = await Promise.all([runShard(0, 2), runShard(1, 2)]);
    const failures = reports.flatMap((r) => r.failures);
    expect(failures).toEqual([]);
    const messageDecodes = reports.reduce((n, r) => n + r.messageDecodes, 0);
    const frameDecodes = reports.reduce((n, r) => n + r.frameDecodes, 0);
    expect(messageDecodes).toBeGreaterThanOrEqual(100_000);
    expect(frameDecodes).toBeGreaterThan(10_000);
    // Both outcomes happen: mutation is neither always fatal nor always harmless.
    expect(reports.reduce((n, r) => n + r.accepted, 0)).toBeGreaterThan(1000);
    expect(reports.reduce((n, r) => n + r.rejected, 0)).toBeGreaterThan(50_000);
  }, 120_000);

  it('rejects an int32 array count of 2^31-1 or -2 at once, without allocating', () => {
    for (const count of [0x7fffffff, -2]) {
      // MetadataRequest v0 is just the topics array.
      const frame = new Writer().int32(count).int16(1).raw(Buffer.from('a')).finish();
      const started = performance.now();
      const err = errorOf(() => decodeMetadataRequest(frame, 0));
      expect(performance.now() - started).toBeLessThan(50);
      expect(err).toBeInstanceOf(ProtocolError);
      expect((err as ProtocolError).kind).toBe('INVALID_LENGTH');
    }
  });

  it('rejects a huge count in a nested array and in a compact array', () => {
    // ProduceRequest v2: acks, timeout, one topic "t", then a partition count of 2^31-1.
    const nested = new Writer().int16(1).int32(1000).int32(1).string('t').int32(0x7fffffff).finish();
    const e1 = errorOf(() => decodeProduceRequest(nested, 2));
    expect(e1).toBeInstanceOf(ProtocolError);
    expect((e1 as ProtocolError).kind).toBe('INVALID_LENGTH');
    // CreateTopicsRequest v5 (flexible): topics compact array with count+1 = 2^32-1.
    const compact = new Writer().uvarint(0xffffffff).finish();
    const e2 = errorOf(() => decodeCreateTopicsRequest(compact, 5));
    expect(e2).toBeInstanceOf(ProtocolError);
    expect((e2 as ProtocolError).kind).toBe('INVALID_LENGTH');
  });

  it('rejects a huge count inside a whole request frame', () => {
    const good = encodeRequest(ApiKey.Metadata, 1, { correlationId: 7, clientId: 'c' }, {
      topics: [{ name: 'x', topicId: Buffer.alloc(16) }],
      allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    // Header v1: 2+2+4 bytes, then clientId (2+1): the body's topic count starts at offset 11.
    const bad = Buffer.from(good);
    bad.writeInt32BE(0x7fffffff, 11);
    const err = errorOf(() => decodeRequest(bad));
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).kind).toBe('INVALID_LENGTH');
    expect(decodeRequest(good).apiKey).toBe(ApiKey.Metadata);
  });
});
