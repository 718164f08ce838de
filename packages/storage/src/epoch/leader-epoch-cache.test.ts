import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError } from '../checkpoint/checkpoint-error.js';
import { StorageError } from '../errors.js';
import { LEADER_EPOCH_CHECKPOINT, LeaderEpochCache, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from './leader-epoch-cache.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tributary-epoch-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cacheWith(...entries: [number, number][]): Promise<LeaderEpochCache> {
  const cache = await LeaderEpochCache.open(dir);
  for (const [e, o] of entries) await cache.assign(e, o);
  return cache;
}

describe('LeaderEpochCache', () => {
  it('starts empty when no checkpoint exists', async () => {
    const cache = await LeaderEpochCache.open(dir);
    expect(cache.entries()).toEqual([]);
    expect(cache.latestEpoch()).toBeUndefined();
    expect(cache.latestEntry()).toBeUndefined();
  });

  it('persists in Kafka format and reloads', async () => {
    await cacheWith([0, 0], [2, 10], [5, 30]);
    expect(await readFile(join(dir, LEADER_EPOCH_CHECKPOINT), 'utf8')).toBe('0\n3\n0 0\n2 10\n5 30\n');
    const reopened = await LeaderEpochCache.open(dir);
    expect(reopened.entries()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 2, startOffset: 10 },
      { epoch: 5, startOffset: 30 },
    ]);
    expect(reopened.latestEpoch()).toBe(5);
  });

  it('ignores a repeated latest epoch at the same or a later offset', async () => {
    const cache = await cacheWith([1, 5]);
    expect(await cache.assign(1, 5)).toBe(false);
    expect(await cache.assign(1, 9)).toBe(false);
    expect(cache.entries()).toEqual([{ epoch: 1, startOffset: 5 }]);
  });

  it('moves the latest epoch back when assigned an earlier start offset', async () => {
    const cache = await cacheWith([0, 0], [1, 5]);
    expect(await cache.assign(1, 3)).toBe(true);
    expect(cache.entries()).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 1, startOffset: 3 }]);
  });

  it('drops conflicting entries: a higher epoch at a lower offset truncates later entries', async () => {
    const cache = await cacheWith([0, 0], [1, 10], [2, 20]);
    expect(await cache.assign(3, 15)).toBe(true);
    expect(cache.entries()).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 1, startOffset: 10 }, { epoch: 3, startOffset: 15 }]);
  });

  it('drops conflicting entries: a lower epoch removes every entry with epoch >= it (Kafka 3.x rule)', async () => {
    const cache = await cacheWith([1, 0], [3, 10]);
    expect(await cache.assign(2, 20)).toBe(true);
    expect(cache.entries()).toEqual([{ epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 20 }]);
  });

  it('rejects negative epochs and offsets with a typed error', async () => {
    const cache = await cacheWith();
    await expect(cache.assign(-1, 0)).rejects.toBeInstanceOf(StorageError);
    await expect(cache.assign(0, -5)).rejects.toBeInstanceOf(StorageError);
  });

  it('finds the epoch of an offset', async () => {
    const cache = await cacheWith([1, 5], [3, 10], [4, 20]);
    expect(cache.epochForOffset(0)).toBeUndefined();
    expect(cache.epochForOffset(5)).toBe(1);
    expect(cache.epochForOffset(9)).toBe(1);
    expect(cache.epochForOffset(10)).toBe(3);
    expect(cache.epochForOffset(19)).toBe(3);
    expect(cache.epochForOffset(1000)).toBe(4);
  });

  it('answers endOffsetFor with Kafka OffsetsForLeaderEpoch semantics', async () => {
    const empty = await LeaderEpochCache.open(dir);
    expect(empty.endOffsetFor(0, 100)).toEqual({ epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET });
    const cache = await cacheWith([1, 5], [3, 10], [4, 20]);
    expect(cache.endOffsetFor(UNDEFINED_EPOCH, 100)).toEqual({ epoch: -1, endOffset: -1 });
    // Latest epoch → log end offset.
    expect(cache.endOffsetFor(4, 100)).toEqual({ epoch: 4, endOffset: 100 });
    // Known epoch → start of the next one.
    expect(cache.endOffsetFor(1, 100)).toEqual({ epoch: 1, endOffset: 10 });
    expect(cache.endOffsetFor(3, 100)).toEqual({ epoch: 3, endOffset: 20 });
    // Unknown epoch between known ones → largest epoch below it, ending where the next starts.
    expect(cache.endOffsetFor(2, 100)).toEqual({ epoch: 1, endOffset: 10 });
    // Below every epoch → the requested epoch and the first start offset.
    expect(cache.endOffsetFor(0, 100)).toEqual({ epoch: 0, endOffset: 5 });
    // Above every epoch.
    expect(cache.endOffsetFor(7, 100)).toEqual({ epoch: -1, endOffset: -1 });
  });

  it('truncates from the end', async () => {
    const cache = await cacheWith([0, 0], [1, 10], [2, 20]);
    await cache.truncateFromEnd(25);
    expect(cache.entries()).toHaveLength(3);
    await cache.truncateFromEnd(10);
    expect(cache.entries()).toEqual([{ epoch: 0, startOffset: 0 }]);
    await cache.truncateFromEnd(-1);
    expect(cache.entries()).toEqual([{ epoch: 0, startOffset: 0 }]);
    expect((await LeaderEpochCache.open(dir)).entries()).toEqual([{ epoch: 0, startOffset: 0 }]);
  });

  it('truncates from the start, carrying the covering epoch up to the new start', async () => {
    const cache = await cacheWith([0, 0], [1, 10], [2, 20]);
    await cache.truncateFromStart(15);
    expect(cache.entries()).toEqual([{ epoch: 1, startOffset: 15 }, { epoch: 2, startOffset: 20 }]);
    await cache.truncateFromStart(20);
    expect(cache.entries()).toEqual([{ epoch: 2, startOffset: 20 }]);
    await cache.truncateFromStart(3);
    expect(cache.entries()).toEqual([{ epoch: 2, startOffset: 20 }]);
    expect((await LeaderEpochCache.open(dir)).entries()).toEqual([{ epoch: 2, startOffset: 20 }]);
  });

  it('rejects a malformed checkpoint with file and line', async () => {
    const path = join(dir, LEADER_EPOCH_CHECKPOINT);
    await writeFile(path, '0\n2\n0 0\n1 x\n');
    const err = await LeaderEpochCache.open(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as CheckpointError).line).toBe(4);
    await writeFile(path, '0\n1\n0 0 0\n');
    await expect(LeaderEpochCache.open(dir)).rejects.toThrow(/line 3/);
    await writeFile(path, '0\n2\n0 0\n');
    await expect(LeaderEpochCache.open(dir)).rejects.toThrow(/expected 2 entries but found 1/);
  });

  it('keeps entries strictly increasing in epoch and offset under any assign/truncate sequence', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('assign' as const), epoch: fc.integer({ min: 0, max: 10 }), offset: fc.integer({ min: 0, max: 100 }) }),
      fc.record({ kind: fc.constant('end' as const), offset: fc.integer({ min: -1, max: 100 }) }),
      fc.record({ kind: fc.constant('start' as const), offset: fc.integer({ min: 0, max: 100 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
        await rm(join(dir, LEADER_EPOCH_CHECKPOINT), { force: true });
        const cache = await LeaderEpochCache.open(dir);
        for (const o of ops) {
          if (o.kind === 'assign') {
            await cache.assign(o.epoch, o.offset);
            // The assigned entry is always the latest afterwards, unless it was a no-op repeat.
            const latest = cache.latestEntry()!;
            expect(latest.epoch).toBe(o.epoch);
            expect(latest.startOffset).toBeLessThanOrEqual(o.offset);
          } else if (o.kind === 'end') {
            await cache.truncateFromEnd(o.offset);
            if (o.offset >= 0) expect(cache.entries().every((e) => e.startOffset < o.offset)).toBe(true);
          } else {
            await cache.truncateFromStart(o.offset);
          }
          const es = cache.entries();
          for (let i = 1; i < es.length; i++) {
            expect(es[i]!.epoch).toBeGreaterThan(es[i - 1]!.epoch);
            expect(es[i]!.startOffset).toBeGreaterThan(es[i - 1]!.startOffset);
          }
        }
        expect((await LeaderEpochCache.open(dir)).entries()).toEqual(cache.entries());
      }),
      { numRuns: 60 },
    );
  });
});
