import { RecordBatchView } from '@tributary/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { isStorageError } from '../errors.js';
import { ProducerStateError } from '../producer-state/producer-state-error.js';
import { makeBatch } from '../test-support/batches.js';
import { openTestLog, readAll } from '../test-support/log-fixture.js';
import { tempDirs } from '../test-support/temp-dir.js';
import { Log, UnexpectedAppendOffsetError } from './log.js';

const dirs = tempDirs('log-repl');
afterAll(() => dirs.cleanup());

describe('truncation', () => {
  it('truncateTo drops later segments and the batch holding the target', async () => {
    const { log } = await openTestLog(dirs.make(), { 'segment.bytes': '300' });
    const sent: Buffer[] = [];
    for (let i = 0; i < 12; i++) {
      const b = makeBatch(3, { tag: i, valueSize: 30 });
      sent.push(b);
      await log.append(b);
    }
    const segCount = log.segments().length;
    expect(segCount).toBeGreaterThan(3);
    expect(await log.truncateTo(100)).toBe(false);
    expect(await log.truncateTo(16)).toBe(true); // inside batch 5 (offsets 15..17)
    expect(log.logEndOffset).toBe(15);
    expect(await readAll(log)).toEqual(sent.slice(0, 5));
    expect(log.segments().every((s) => s.baseOffset <= 15)).toBe(true);
    const next = await log.append(makeBatch(2, { tag: 99 }));
    expect(next.firstOffset).toBe(15);
    await log.close();
  });

  it('truncateTo into an offset gap keeps the target as the log end', async () => {
    // Follower appends leave a gap (as compaction does): offsets 3..9 hold no records.
    const { log } = await openTestLog(dirs.make());
    await log.appendAsFollower(Buffer.concat([makeBatch(3, { baseOffset: 0 }), makeBatch(3, { baseOffset: 10 })]));
    expect(log.logEndOffset).toBe(13);
    expect(await log.truncateTo(6)).toBe(true);
    expect(log.logEndOffset).toBe(6);
    expect((await log.append(makeBatch(1))).firstOffset).toBe(6);
    // Inside a batch after the gap: the whole batch goes and the end is its base offset.
    await log.appendAsFollower(makeBatch(4, { baseOffset: 20 }));
    expect(await log.truncateTo(22)).toBe(true);
    expect(log.logEndOffset).toBe(20);
    await log.close();
  });

  it('truncateFullyAndStartAt empties the log and restarts offsets', async () => {
    const { log } = await openTestLog(dirs.make(), { 'segment.bytes': '300' });
    for (let i = 0; i < 8; i++) await log.append(makeBatch(3, { tag: i, valueSize: 30 }));
    await log.truncateFullyAndStartAt(1000);
    expect([log.logStartOffset, log.logEndOffset, log.segments().length]).toEqual([1000, 1000, 1]);
    expect((await log.append(makeBatch(2))).firstOffset).toBe(1000);
    await expect(log.read(5, 10)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'OFFSET_OUT_OF_RANGE'));
    await log.close();
  });
});

describe('follower appends and leader epochs', () => {
  it('keeps leader offsets, allows gaps, refuses offsets below the log end', async () => {
    const { log } = await openTestLog(dirs.make());
    const a = makeBatch(3, { baseOffset: 0, partitionLeaderEpoch: 1 });
    const b = makeBatch(2, { baseOffset: 10, partitionLeaderEpoch: 3 });
    await log.appendAsFollower(Buffer.concat([a, b]));
    expect(log.logEndOffset).toBe(12);
    expect(log.leaderEpochCache.entries()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 10 },
    ]);
    await expect(log.appendAsFollower(makeBatch(1, { baseOffset: 11 }))).rejects.toBeInstanceOf(UnexpectedAppendOffsetError);
    const unordered = Buffer.concat([makeBatch(1, { baseOffset: 20 }), makeBatch(1, { baseOffset: 15 })]);
    await expect(log.appendAsFollower(unordered)).rejects.toSatisfy((e: unknown) => isStorageError(e));
    expect((await log.read(5, 100)).firstOffset).toBe(10);
    await log.truncateTo(10);
    expect(log.leaderEpochCache.entries()).toEqual([{ epoch: 1, startOffset: 0 }]);
    await log.close();
  });

  it('stamps the leader epoch on append and records where each epoch starts', async () => {
    const { log, dir, clock } = await openTestLog(dirs.make());
    await log.append(makeBatch(2), { leaderEpoch: 4 });
    await log.append(makeBatch(2), { leaderEpoch: 4 });
    await log.append(makeBatch(2), { leaderEpoch: 6 });
    expect(new RecordBatchView((await log.read(4, 100)).records).partitionLeaderEpoch).toBe(6);
    expect(log.leaderEpochCache.endOffsetFor(4, log.logEndOffset)).toEqual({ epoch: 4, endOffset: 4 });
    await log.close({ flush: false });
    // After an unclean restart the cache agrees with the recovered log.
    const again = await Log.open({ dir, config: log.config, clock });
    expect(again.leaderEpochCache.entries()).toEqual([
      { epoch: 4, startOffset: 0 },
      { epoch: 6, startOffset: 4 },
    ]);
    await again.close();
  });
});

describe('idempotent producers', () => {
  const idem = (seq: number, n = 2, tag = 0) => makeBatch(n, { producerId: 77, producerEpoch: 0, baseSequence: seq, tag });

  it('returns the original offsets for a retried batch and appends nothing', async () => {
    const { log } = await openTestLog(dirs.make());
    const first = await log.append(idem(0));
    await log.append(idem(2));
    const retry = await log.append(idem(0));
    expect(retry).toMatchObject({ duplicate: true, firstOffset: first.firstOffset, lastOffset: first.lastOffset });
    expect(log.logEndOffset).toBe(4);
    await expect(log.append(idem(9))).rejects.toBeInstanceOf(ProducerStateError);
    expect(log.logEndOffset).toBe(4);
    await log.close();
  });

  it('checks several batches of one producer in one append in order, and rolls back on failure', async () => {
    const { log } = await openTestLog(dirs.make());
    await log.append(Buffer.concat([idem(0), idem(2, 2, 1)]));
    expect(log.logEndOffset).toBe(4);
    await expect(log.append(Buffer.concat([idem(4), idem(9)]))).rejects.toBeInstanceOf(ProducerStateError);
    expect(log.logEndOffset).toBe(4);
    // The refused append left no trace in the producer state: sequence 4 is still next.
    expect((await log.append(idem(4))).firstOffset).toBe(4);
    await log.close();
  });

  it('rebuilds producer state after a clean or unclean restart and after truncation', async () => {
    const { log, dir, clock } = await openTestLog(dirs.make(), { 'segment.bytes': '250' });
    for (let i = 0; i < 6; i++) await log.append(idem(i * 2, 2, i));
    await log.close({ flush: false });
    const unclean = await Log.open({ dir, config: log.config, clock });
    expect((await unclean.append(idem(10, 2, 5))).duplicate).toBe(true);
    expect((await unclean.append(idem(12))).firstOffset).toBe(12);
    await unclean.truncateTo(8);
    // Batches at sequence 8.. were truncated: 8 is accepted again, not a duplicate.
    const again = await unclean.append(idem(8, 2, 4));
    expect(again).toMatchObject({ duplicate: false, firstOffset: 8 });
    await unclean.close();
    const clean = await Log.open({ dir, config: log.config, clock, hadCleanShutdown: true, recoveryPoint: 10 });
    expect((await clean.append(idem(8, 2, 4))).duplicate).toBe(true);
    await clean.close();
  });
});
