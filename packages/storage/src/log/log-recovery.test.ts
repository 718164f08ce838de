import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { batchViews } from '@tributary/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { isStorageError } from '../errors.js';
import { makeBatch } from '../test-support/batches.js';
import { openTestLog, readAll } from '../test-support/log-fixture.js';
import { tempDirs } from '../test-support/temp-dir.js';
import { CleaningAbortedError, Log } from './log.js';

const dirs = tempDirs('log-recovery');
afterAll(() => dirs.cleanup());

/** A closed log of `n` 3-record batches over several segments; returns what was written. */
async function closedLog(n = 30, props: Record<string, string> = {}) {
  const { log, dir, clock } = await openTestLog(dirs.make(), { 'segment.bytes': '700', 'index.interval.bytes': '100', ...props });
  const sent: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const b = makeBatch(3, { tag: i, valueSize: 25, baseTimestamp: 5000 + i });
    sent.push(b);
    await log.append(b);
  }
  const segments = log.segments().map((s) => ({ base: s.baseOffset, path: s.logPath, index: s.offsetIndexPath, timeIndex: s.timeIndexPath }));
  await log.close();
  return { dir, clock, config: log.config, sent, segments, batchSize: sent[0]!.length };
}

describe('recovery after an unclean shutdown', () => {
  it('a flipped byte mid-log: the log is cut before the corrupt batch and later segments are deleted', async () => {
    const { dir, clock, config, sent, segments, batchSize } = await closedLog();
    expect(segments.length).toBeGreaterThan(3);
    const victim = segments[1]!;
    const bytes = readFileSync(victim.path);
    bytes[batchSize * 2 + 80] ^= 0x40; // third batch of the second segment
    writeFileSync(victim.path, bytes);
    const log = await Log.open({ dir, config, clock });
    const firstBad = victim.base / 3 + 2;
    expect(log.logEndOffset).toBe(firstBad * 3);
    expect(log.loadReport!.deletedAfterCorruption).toEqual(segments.slice(2).map((s) => s.base));
    expect(await readAll(log)).toEqual(sent.slice(0, firstBad));
    for (const s of segments.slice(2)) expect(existsSync(s.path)).toBe(false);
    await log.close();
  });

  it('a corrupt or torn tail is truncated; the index is rebuilt to match', async () => {
    const { dir, clock, config, sent, segments, batchSize } = await closedLog();
    const last = segments[segments.length - 1]!;
    const size = statSync(last.path).size;
    truncateSync(last.path, size - 5);
    const log = await Log.open({ dir, config, clock });
    expect(log.logEndOffset).toBe((sent.length - 1) * 3);
    expect(statSync(last.path).size).toBe(size - batchSize);
    await log.close();

    // Flip the very last byte of the (new) tail batch.
    const bytes = readFileSync(last.path);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(last.path, bytes);
    const again = await Log.open({ dir, config, clock });
    expect(again.logEndOffset).toBe((sent.length - 2) * 3);
    expect(await readAll(again)).toEqual(sent.slice(0, sent.length - 2));
    await again.close();
  });

  it('only segments past the recovery point are recovered', async () => {
    const { dir, clock, config, segments } = await closedLog();
    const log = await Log.open({ dir, config, clock, recoveryPoint: segments[2]!.base + 1 });
    expect(log.loadReport!.recovered.map((r) => r.baseOffset)).toEqual(segments.slice(2).map((s) => s.base));
    await log.close();
  });
});

describe('index files are checked when a cleanly closed log is opened', () => {
  it('deleted index files are rebuilt, garbled ones detected and rebuilt, and reads stay exact', async () => {
    const { dir, clock, config, sent, segments } = await closedLog();
    const originals = segments.map((s) => readFileSync(s.index));
    unlinkSync(segments[0]!.index);
    unlinkSync(segments[1]!.timeIndex);
    // Garble segment 2's index: a torn length; segment 3's: an entry pointing mid-batch.
    writeFileSync(segments[2]!.index, Buffer.concat([originals[2]!, Buffer.from([1, 2, 3])]));
    const g = Buffer.from(originals[3]!);
    expect(g.length).toBeGreaterThanOrEqual(8);
    g.writeInt32BE(g.readInt32BE(4) + 7, 4);
    writeFileSync(segments[3]!.index, g);

    const log = await Log.open({ dir, config, clock, hadCleanShutdown: true, recoveryPoint: sent.length * 3 });
    // Missing index files send a segment through full recovery (as Kafka does).
    expect(log.loadReport!.recovered.map((r) => r.baseOffset)).toEqual([segments[0]!.base, segments[1]!.base]);
    expect(await readAll(log, 1)).toEqual(sent);
    // Random access goes through the offset index (sequential reads remember positions instead).
    for (let b = 0; b < sent.length; b++) expect((await log.read(b * 3 + 1, 1)).records).toEqual(sent[b]);
    for (let i = 0; i < 4; i++) expect(readFileSync(segments[i]!.index)).toEqual(originals[i]);
    expect(existsSync(segments[1]!.timeIndex)).toBe(true);
    // Batch b holds offsets 3b..3b+2 with timestamps 5000+b..5002+b: 5020 is first reached at 3*18+2.
    expect(await log.fetchOffsetByTimestamp(5000 + 20)).toMatchObject({ offset: 56, timestamp: 5020 });
    await log.close();
  });

  it('with verifyCrcOnRead, corruption of flushed data (below the recovery point) is never served', async () => {
    const { dir, clock, config, sent, segments, batchSize } = await closedLog();
    const bytes = readFileSync(segments[0]!.path);
    bytes[batchSize + 70] ^= 0x10;
    writeFileSync(segments[0]!.path, bytes);
    const log = await Log.open({ dir, config, clock, hadCleanShutdown: true, recoveryPoint: sent.length * 3, verifyCrcOnRead: true });
    const r = await log.read(0, 1 << 20);
    expect([...batchViews(r.records)].length).toBe(1);
    await expect(log.read(3, 1 << 20)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'CORRUPT_MESSAGE'));
    await log.close();
  });
});

describe('crash-safe segment replacement (the cleaner swap)', () => {
  it('replaceSegments swaps a cleaned segment in and deletes the old ones', async () => {
    const { log } = await openTestLog(dirs.make(), { 'segment.bytes': '700' });
    const sent: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const b = makeBatch(3, { tag: i, valueSize: 25 });
      sent.push(b);
      await log.append(b);
    }
    const [s0, s1] = log.segments();
    // "Clean" the first two segments by keeping every other batch.
    const cleaned = await log.createCleanedSegment(s0!.baseOffset);
    expect(cleaned.logPath.endsWith('.log.cleaned')).toBe(true);
    const kept: Buffer[] = [];
    for (const seg of [s0!, s1!]) for await (const v of seg.batches()) if ((v.baseOffsetNum / 3) % 2 === 0) kept.push(Buffer.from(v.bytes()));
    await cleaned.append(Buffer.concat(kept), 100);
    await log.replaceSegments(cleaned, [s0!, s1!]);
    await log.settle();
    expect(log.segments()[0]).toBe(cleaned);
    expect(cleaned.logPath.endsWith('.log')).toBe(true);
    expect(existsSync(s1!.logPath)).toBe(false);
    const after = await readAll(log);
    expect(after.slice(0, kept.length)).toEqual(kept);
    expect(after.slice(kept.length)).toEqual(sent.slice(sent.length - after.length + kept.length));

    // Replacing segments that are gone is refused, and the cleaned output is discarded.
    const stale = await log.createCleanedSegment(s1!.baseOffset);
    await expect(log.replaceSegments(stale, [s1!])).rejects.toBeInstanceOf(CleaningAbortedError);
    expect(existsSync(stale.logPath)).toBe(false);
    await log.close();
  });

  it('a crash after the .swap rename is completed on open; a leftover .cleaned is discarded', async () => {
    const { dir, clock, config, sent, segments } = await closedLog(20);
    // Build the swap by hand: a copy of segment 0 without its first batch, under .swap names,
    // with segments 0 and 1 still live (the crash happened before they were renamed).
    const first = readFileSync(segments[0]!.path);
    const views = [...batchViews(first)];
    const swapBytes = Buffer.concat(views.slice(1).map((v) => v.bytes()));
    const base = segments[0]!.base;
    writeFileSync(join(dir, `${String(base).padStart(20, '0')}.log.swap`), swapBytes);
    copyFileSync(segments[0]!.index, join(dir, `${String(base).padStart(20, '0')}.index.swap`));
    copyFileSync(segments[0]!.timeIndex, join(dir, `${String(base).padStart(20, '0')}.timeindex.swap`));
    writeFileSync(join(dir, `${String(segments[1]!.base).padStart(20, '0')}.log.cleaned`), Buffer.alloc(100, 7));

    const log = await Log.open({ dir, config, clock });
    expect(log.loadReport!.completedSwaps).toEqual([base]);
    expect(readdirSync(dir).filter((n) => n.includes('.swap') || n.includes('.cleaned'))).toEqual([]);
    const all = await readAll(log);
    expect(all).toEqual(sent.slice(1));
    await log.close();
  });
});
