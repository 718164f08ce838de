import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../errors.js';
import { nodeFileIO, type FileIO } from '../io/file-io.js';
import { atomicWriteFile } from './atomic-write.js';
import { CheckpointError } from './checkpoint-error.js';
import { parsePartitionKey, partitionKey, readOffsetCheckpoint, writeOffsetCheckpoint } from './offset-checkpoint-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tributary-ckpt-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectCheckpointError(path: string, line: number | undefined, pattern: RegExp): Promise<void> {
  const err = await readOffsetCheckpoint(path).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(CheckpointError);
  const ce = err as CheckpointError;
  expect(ce.path).toBe(path);
  expect(ce.line).toBe(line);
  expect(ce.code).toBe('KAFKA_STORAGE_ERROR');
  expect(ce.message).toContain(path);
  expect(ce.message).toMatch(pattern);
}

describe('offset checkpoint file', () => {
  it('writes Kafka text format and reads it back', async () => {
    const path = join(dir, 'recovery-point-offset-checkpoint');
    await writeOffsetCheckpoint(path, new Map([[partitionKey('orders', 0), 42], [partitionKey('my.topic-x', 12), 0]]));
    expect(await readFile(path, 'utf8')).toBe('0\n2\norders 0 42\nmy.topic-x 12 0\n');
    expect(await readOffsetCheckpoint(path)).toEqual(new Map([['orders:0', 42], ['my.topic-x:12', 0]]));
  });

  it('reads a file written by Kafka (trailing spaces tolerated as Java split does)', async () => {
    const path = join(dir, 'cp');
    await writeFile(path, '0\n3\n__consumer_offsets 7 1234567890123 \nt 0 -1\nt 1 9007199254740991\n');
    expect(await readOffsetCheckpoint(path)).toEqual(new Map([['__consumer_offsets:7', 1234567890123], ['t:0', -1], ['t:1', 9007199254740991]]));
  });

  it('treats a missing or empty file as no entries', async () => {
    expect((await readOffsetCheckpoint(join(dir, 'absent'))).size).toBe(0);
    await writeFile(join(dir, 'empty'), '');
    expect((await readOffsetCheckpoint(join(dir, 'empty'))).size).toBe(0);
  });

  it('round-trips arbitrary entries', async () => {
    const topic = fc.stringMatching(/^[a-zA-Z0-9._-]{1,40}$/);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(topic, fc.integer({ min: 0, max: 0x7fffffff }), fc.maxSafeInteger()), { maxLength: 20 }), async (rows) => {
        const entries = new Map(rows.map(([t, p, o]) => [partitionKey(t, p), o] as const));
        const path = join(dir, 'prop');
        await writeOffsetCheckpoint(path, entries);
        expect(await readOffsetCheckpoint(path)).toEqual(entries);
      }),
      { numRuns: 50 },
    );
  });

  it('rejects malformed files with the file and line', async () => {
    const path = join(dir, 'bad');
    await writeFile(path, '1\n0\n');
    await expectCheckpointError(path, 1, /unrecognized version 1/);
    await writeFile(path, 'zero\n0\n');
    await expectCheckpointError(path, 1, /version/);
    await writeFile(path, '0\n');
    await expectCheckpointError(path, 2, /count missing/);
    await writeFile(path, '0\nx\n');
    await expectCheckpointError(path, 2, /entry count/);
    await writeFile(path, '0\n2\nt 0 5\nt 1\n');
    await expectCheckpointError(path, 4, /3 fields|2 fields/);
    await writeFile(path, '0\n1\nt zero 5\n');
    await expectCheckpointError(path, 3, /partition/);
    await writeFile(path, '0\n1\nt 0 5.5\n');
    await expectCheckpointError(path, 3, /offset/);
    await writeFile(path, '0\n1\nt 0 99999999999999999999\n');
    await expectCheckpointError(path, 3, /outside/);
    await writeFile(path, '0\n1\n t 0 5\n');
    await expectCheckpointError(path, 3, /fields/);
  });

  it('rejects a count that disagrees with the entries (torn or hand-edited file)', async () => {
    const path = join(dir, 'torn');
    await writeFile(path, '0\n3\nt 0 1\nt 1 2\n');
    await expectCheckpointError(path, undefined, /expected 3 entries but found 2/);
    await writeFile(path, '0\n1\nt 0 1\nt 1 2\n');
    await expectCheckpointError(path, undefined, /expected 1 entries but found 2/);
  });

  it('refuses to write a key that is not topic:partition', async () => {
    await expect(writeOffsetCheckpoint(join(dir, 'x'), new Map([['no-partition', 1]]))).rejects.toBeInstanceOf(CheckpointError);
    await expect(writeOffsetCheckpoint(join(dir, 'x'), new Map([['t:1', 1.5]]))).rejects.toBeInstanceOf(CheckpointError);
    expect(parsePartitionKey('a:b:3')).toEqual({ topic: 'a:b', partition: 3 });
    expect(parsePartitionKey(':3')).toBeUndefined();
    expect(parsePartitionKey('t:-1')).toBeUndefined();
  });
});

describe('atomicWriteFile', () => {
  it('replaces content, leaves no tmp file, and overwrites a stale longer tmp', async () => {
    const path = join(dir, 'f');
    await writeFile(`${path}.tmp`, 'a much longer stale temporary content from a crash');
    await atomicWriteFile(path, 'one');
    expect(await readFile(path, 'utf8')).toBe('one');
    expect(await readdir(dir)).toEqual(['f']);
  });

  it('serialises concurrent writes to one path: the last call wins and content is never mixed', async () => {
    const path = join(dir, 'f');
    const writes = Array.from({ length: 20 }, (_, i) => atomicWriteFile(path, `content-${i}-`.repeat(i + 1)));
    await Promise.all(writes);
    expect(await readFile(path, 'utf8')).toBe('content-19-'.repeat(20));
  });

  it('keeps the old content when the write fails, and reports a StorageError', async () => {
    const path = join(dir, 'f');
    await atomicWriteFile(path, 'old');
    const failing: FileIO = { ...nodeFileIO, sync: () => Promise.reject(Object.assign(new Error('no space'), { code: 'ENOSPC' })) };
    const err = await atomicWriteFile(path, 'new', failing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe('KAFKA_STORAGE_ERROR');
    expect((err as StorageError).message).toContain('ENOSPC');
    expect(await readFile(path, 'utf8')).toBe('old');
    // A later write still goes through.
    await atomicWriteFile(path, 'newer');
    expect(await readFile(path, 'utf8')).toBe('newer');
  });
});
