import { appendFileSync, copyFileSync, existsSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeRecordBatchSync, endTxnMarkerBatch } from '@tributary/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../clock.js';
import { ABORTED_TXN_SIZE, type AbortedTxn } from '../index/transaction-index.js';
import { openTestLog, readAll } from '../test-support/log-fixture.js';
import { tempDirs } from '../test-support/temp-dir.js';
import { Log } from './log.js';

const dirs = tempDirs('log-txn-index');
afterAll(() => dirs.cleanup());

function plain(clock: ManualClock, key = 'k'): Buffer {
  const ts = BigInt(clock.now());
  return encodeRecordBatchSync({ baseTimestamp: ts, records: [{ key: Buffer.from(key), value: Buffer.from('v'), timestamp: ts }] });
}

/** One record of producer `pid`'s transaction. */
function txnData(clock: ManualClock, pid: number, seq: number, key = `p${pid}`): Buffer {
  const ts = BigInt(clock.now());
  return encodeRecordBatchSync({
    baseTimestamp: ts,
    producerId: BigInt(pid),
    producerEpoch: 0,
    baseSequence: seq,
    isTransactional: true,
    records: [{ key: Buffer.from(key), value: Buffer.from(`seq${seq}`), timestamp: ts }],
  });
}

function marker(clock: ManualClock, pid: number, commit: boolean): Buffer {
  return encodeRecordBatchSync(endTxnMarkerBatch({ commit, producerId: BigInt(pid), producerEpoch: 0, coordinatorEpoch: 0, timestamp: BigInt(clock.now()) }));
}

const abort = (log: Log, clock: ManualClock, pid: number) => log.append(marker(clock, pid, false), { origin: 'coordinator' });
const commit = (log: Log, clock: ManualClock, pid: number) => log.append(marker(clock, pid, true), { origin: 'coordinator' });
const t = (producerId: number, firstOffset: number, lastOffset: number, lastStableOffset: number): AbortedTxn => ({ producerId, firstOffset, lastOffset, lastStableOffset });

/**
 * Four segments (bases 0, 5, 9, 12) and four aborted transactions:
 *   0 plain | 1 P1 | 2 P2 | 3 P1 | 4 ABORT P1 (P2 still open → LSO 2)
 *   5 P2 | 6 COMMIT P2 | 7 P3 | 8 plain
 *   9 ABORT P3 (nothing open → LSO 10) | 10 P4 | 11 P5
 *   12 ABORT P5 (P4 open → LSO 10) | 13 ABORT P4 (→ 14) | 14 plain
 */
const EXPECTED = [t(1, 1, 4, 2), t(3, 7, 9, 10), t(5, 11, 12, 10), t(4, 10, 13, 14)];

async function writeScenario(log: Log, clock: ManualClock): Promise<void> {
  await log.append(plain(clock));
  await log.append(txnData(clock, 1, 0));
  await log.append(txnData(clock, 2, 0));
  await log.append(txnData(clock, 1, 1));
  await abort(log, clock, 1);
  await log.roll();
  await log.append(txnData(clock, 2, 1));
  await commit(log, clock, 2);
  await log.append(txnData(clock, 3, 0));
  await log.append(plain(clock));
  await log.roll();
  await abort(log, clock, 3);
  await log.append(txnData(clock, 4, 0));
  await log.append(txnData(clock, 5, 0));
  await log.roll();
  await abort(log, clock, 5);
  await abort(log, clock, 4);
  await log.append(plain(clock));
}

/** Every aborted transaction a fetch of [start, upper) overlaps, straight from the definition. */
function bruteForce(all: readonly AbortedTxn[], start: number, upper: number): AbortedTxn[] {
  return all.filter((x) => x.lastOffset >= start && x.firstOffset < upper);
}

/** collectAbortedTransactions agrees with the definition for every range inside the log. */
function expectAllRanges(log: Log, all: readonly AbortedTxn[]): void {
  for (let start = log.logStartOffset; start <= log.logEndOffset; start++) {
    for (let upper = start; upper <= log.logEndOffset + 1; upper++) {
      expect(log.collectAbortedTransactions(start, upper), `[${start}, ${upper})`).toEqual(bruteForce(all, start, upper));
    }
  }
}

const entriesBySegment = (log: Log) => log.segments().map((s) => [s.baseOffset, s.txnIndex.allAbortedTxns()] as const);

describe('aborted-transaction index', () => {
  it('records each ABORT in the segment holding its marker, with Kafka’s last stable offset, and answers fetch ranges', async () => {
    const { log, clock } = await openTestLog(dirs.make());
    await writeScenario(log, clock);
    expect(log.segments().map((s) => s.baseOffset)).toEqual([0, 5, 9, 12]);
    expect(entriesBySegment(log)).toEqual([
      [0, [EXPECTED[0]]],
      [5, []],
      [9, [EXPECTED[1]]],
      [12, [EXPECTED[2], EXPECTED[3]]],
    ]);
    // The file exists only for segments with an entry (Kafka creates it lazily).
    expect(log.segments().map((s) => existsSync(s.txnIndexPath))).toEqual([true, false, true, true]);
    expect(statSync(log.segments()[3]!.txnIndexPath).size).toBe(2 * ABORTED_TXN_SIZE);

    expect(log.collectAbortedTransactions(0, 15)).toEqual(EXPECTED);
    expect(log.collectAbortedTransactions(5, 9)).toEqual([EXPECTED[1]]);
    expect(log.collectAbortedTransactions(10, 12)).toEqual([EXPECTED[2], EXPECTED[3]]);
    expect(log.collectAbortedTransactions(14, 15)).toEqual([]);
    expectAllRanges(log, EXPECTED);
    await log.close();
  });

  it('an ABORT appended on the synchronous path is in the index by the time the log end passes it', async () => {
    const { log, clock } = await openTestLog(dirs.make());
    await log.append(txnData(clock, 9, 0));
    const appending = abort(log, clock, 9);
    expect(log.logEndOffset).toBe(2);
    expect(log.collectAbortedTransactions(0, 2)).toEqual([t(9, 0, 1, 2)]);
    await appending;
    await log.close();
  });

  it('a marker that rolls the log goes into the new segment; one append carrying the same producer twice records once', async () => {
    const { log, clock } = await openTestLog(dirs.make(), { 'segment.ms': '1000' });
    await log.append(txnData(clock, 1, 0));
    await log.append(txnData(clock, 2, 0));
    clock.advance(5_000);
    await abort(log, clock, 1); // rolls: the queued path
    expect(entriesBySegment(log)).toEqual([
      [0, []],
      [2, [t(1, 0, 2, 1)]],
    ]);
    // Two markers of producer 2 in one append: the first ends its transaction, the second has none to end.
    await log.append(Buffer.concat([marker(clock, 2, false), marker(clock, 2, false)]), { origin: 'coordinator' });
    expect(log.collectAbortedTransactions(0, log.logEndOffset)).toEqual([t(1, 0, 2, 1), t(2, 1, 3, 4)]);
    await log.close();
  });

  it('a follower replicating the batches builds the same index', async () => {
    const { log, clock } = await openTestLog(dirs.make());
    await writeScenario(log, clock);
    const { log: follower } = await openTestLog(dirs.make());
    for (const batch of await readAll(log)) await follower.appendAsFollower(batch);
    expect(follower.collectAbortedTransactions(0, 15)).toEqual(EXPECTED);
    expectAllRanges(follower, EXPECTED);
    await Promise.all([log.close(), follower.close()]);
  });

  it('survives a clean reopen, and is rebuilt the same after an unclean one or when missing or corrupt', async () => {
    const { log, clock, dir } = await openTestLog(dirs.make());
    await writeScenario(log, clock);
    const config = log.config;
    await log.close();

    const clean = await Log.open({ dir, config, clock, hadCleanShutdown: true, recoveryPoint: 15 });
    expect(clean.loadReport!.recovered).toEqual([]);
    expect(clean.collectAbortedTransactions(0, 15)).toEqual(EXPECTED);
    const paths = clean.segments().map((s) => s.txnIndexPath);
    await clean.close();

    // Unclean, snapshots kept (taken at each roll): only the segments past the recovery point are
    // recovered; producer 3's transaction started before them, so the rebuild replays from the
    // snapshot at 9, not from the newest one.
    rmSync(paths[2]!);
    rmSync(paths[3]!);
    const partial = await Log.open({ dir, config, clock, recoveryPoint: 9 });
    expect(partial.loadReport!.recovered.map((r) => r.baseOffset)).toEqual([9, 12]);
    expect(partial.collectAbortedTransactions(0, 15)).toEqual(EXPECTED);
    await partial.close();

    // Crash with nothing flushed: no snapshots, no transaction indexes, every segment recovered.
    for (const name of readdirSync(dir)) if (name.endsWith('.snapshot') || name.endsWith('.txnindex')) rmSync(join(dir, name));
    const unclean = await Log.open({ dir, config, clock });
    expect(unclean.loadReport!.recovered.map((r) => r.baseOffset)).toEqual([0, 5, 9, 12]);
    expect(unclean.loadReport!.recovered.map((r) => r.hasControlBatches)).toEqual([true, true, true, true]);
    expect(entriesBySegment(unclean).map(([, e]) => e)).toEqual([[EXPECTED[0]], [], [EXPECTED[1]], [EXPECTED[2], EXPECTED[3]]]);
    expect(paths.map((p) => existsSync(p))).toEqual([true, false, true, true]);
    expectAllRanges(unclean, EXPECTED);
    await unclean.close();

    // A torn append (size not a multiple of 34) after a clean shutdown: that segment is recovered.
    appendFileSync(paths[0]!, Buffer.alloc(7));
    const torn = await Log.open({ dir, config, clock, hadCleanShutdown: true, recoveryPoint: 15 });
    expect(torn.loadReport!.recovered.map((r) => r.baseOffset)).toEqual([0]);
    expect(statSync(paths[0]!).size).toBe(ABORTED_TXN_SIZE);
    expect(torn.collectAbortedTransactions(0, 15)).toEqual(EXPECTED);
    await torn.close();
  });

  it('an interrupted cleaner swap brings its .txnindex.swap in; leftover .cleaned and .deleted ones are removed', async () => {
    const { log, clock, dir } = await openTestLog(dirs.make());
    await writeScenario(log, clock);
    const config = log.config;
    const seg0 = log.segments()[0]!;
    const files = [seg0.logPath, seg0.offsetIndexPath, seg0.timeIndexPath, seg0.txnIndexPath];
    await log.close();
    // The swap (a copy of segment 0) carries the entry; the live segment 0's index lost it, so an
    // entry after opening can only have come from the swap file.
    for (const f of files) copyFileSync(f, `${f}.swap`);
    truncateSync(seg0.txnIndexPath, 0);
    writeFileSync(join(dir, '00000000000000000005.txnindex.cleaned'), Buffer.alloc(34));
    writeFileSync(join(dir, '00000000000000000009.txnindex.deleted'), Buffer.alloc(34));

    const reopened = await Log.open({ dir, config, clock, hadCleanShutdown: true, recoveryPoint: 15 });
    expect(reopened.loadReport!.completedSwaps).toEqual([0]);
    expect(readdirSync(dir).filter((n) => /\.(swap|cleaned|deleted)$/.test(n))).toEqual([]);
    expect(reopened.segments()[0]!.txnIndex.allAbortedTxns()).toEqual([EXPECTED[0]]);
    expect(reopened.collectAbortedTransactions(0, 15)).toEqual(EXPECTED);
    await reopened.close();

    // A swap whose transaction index is torn is recovered and its index rebuilt from the batches.
    for (const f of files) copyFileSync(f, `${f}.swap`);
    appendFileSync(`${seg0.txnIndexPath}.swap`, Buffer.alloc(3));
    const again = await Log.open({ dir, config, clock, hadCleanShutdown: true, recoveryPoint: 15 });
    expect(again.loadReport!.completedSwaps).toEqual([0]);
    expect(again.loadReport!.recovered.map((r) => r.baseOffset)).toEqual([0]);
    expect(again.collectAbortedTransactions(0, 15)).toEqual(EXPECTED);
    expect(statSync(seg0.txnIndexPath).size).toBe(ABORTED_TXN_SIZE);
    await again.close();
  });

  it('truncateTo drops entries whose marker is cut off, with the segments holding them', async () => {
    const { log, clock } = await openTestLog(dirs.make());
    await writeScenario(log, clock);
    const [, , seg9, seg12] = log.segments();
    await log.truncateTo(13);
    expect(log.collectAbortedTransactions(0, 13)).toEqual(EXPECTED.slice(0, 3));
    expect(statSync(seg12!.txnIndexPath).size).toBe(ABORTED_TXN_SIZE);

    await log.truncateTo(10);
    await log.settle();
    expect(existsSync(seg12!.txnIndexPath)).toBe(false);
    expect(readdirSync(log.dir).filter((n) => n.includes('txnindex'))).toEqual(['00000000000000000000.txnindex', '00000000000000000009.txnindex']);
    expect(log.collectAbortedTransactions(0, 10)).toEqual(EXPECTED.slice(0, 2));

    await log.truncateTo(9);
    expect(log.collectAbortedTransactions(0, 9)).toEqual(EXPECTED.slice(0, 1));
    expect(statSync(seg9!.txnIndexPath).size).toBe(0);
    // Producer 3's transaction is open again; a new ABORT records it afresh.
    await abort(log, clock, 3);
    expect(log.collectAbortedTransactions(0, 10)).toEqual([EXPECTED[0], t(3, 7, 9, 10)]);
    await log.close();
  });

  it('segments deleted by retention, deleteRecordsBefore or truncateFullyAndStartAt take their txn index with them', async () => {
    const { log, clock } = await openTestLog(dirs.make(), { 'retention.ms': '-1' });
    await writeScenario(log, clock);
    const paths = log.segments().map((s) => s.txnIndexPath);

    await log.deleteRecordsBefore(5);
    await log.settle();
    expect(existsSync(paths[0]!)).toBe(false);
    expect(log.collectAbortedTransactions(5, 15)).toEqual(EXPECTED.slice(1));

    // retention.bytes leaving room for the active segment only: segments 5 and 9 go.
    log.updateConfig({ ...log.config, retentionBytes: log.activeSegment.size });
    expect(await log.deleteOldSegments()).toBe(2);
    await log.settle();
    expect(existsSync(paths[2]!)).toBe(false);
    expect(log.collectAbortedTransactions(12, 15)).toEqual(EXPECTED.slice(2));
    // A fetch below the first segment finds nothing, as in Kafka (there is no segment to start from).
    expect(log.collectAbortedTransactions(9, 15)).toEqual([]);

    await log.truncateFullyAndStartAt(100);
    await log.settle();
    expect(readdirSync(log.dir).filter((n) => n.includes('txnindex'))).toEqual([]);
    expect(log.collectAbortedTransactions(100, 200)).toEqual([]);
    await log.close();
  });
});
