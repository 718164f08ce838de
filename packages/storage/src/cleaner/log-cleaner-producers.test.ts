import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRecordBatches, encodeRecordBatchSync, endTxnMarkerBatch, type DecodedRecordBatch } from '@tributary/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { parseLogConfig } from '../config/log-config.js';
import { Log } from '../log/log.js';
import { LogCleaner } from './log-cleaner.js';

let dir: string;
let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-cleaner-tx-'));
  dir = join(root, 'topic-0');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const config = parseLogConfig({
  'cleanup.policy': 'compact',
  'delete.retention.ms': '1000',
  'min.cleanable.dirty.ratio': '0',
  'file.delete.delay.ms': '0',
});

function open(clock: ManualClock): Promise<Log> {
  return Log.open({ dir, config, clock });
}

interface Producer {
  pid: number;
  epoch?: number;
  seq: number;
  txn?: boolean;
}

function batch(clock: ManualClock, key: string, value: string, p?: Producer): Buffer {
  const ts = BigInt(clock.now());
  return encodeRecordBatchSync({
    baseTimestamp: ts,
    ...(p ? { producerId: BigInt(p.pid), producerEpoch: p.epoch ?? 0, baseSequence: p.seq, isTransactional: p.txn ?? false } : {}),
    records: [{ key: Buffer.from(key), value: Buffer.from(value), timestamp: ts }],
  });
}

function marker(clock: ManualClock, pid: number, commit: boolean): Buffer {
  return encodeRecordBatchSync(endTxnMarkerBatch({ commit, producerId: BigInt(pid), producerEpoch: 0, coordinatorEpoch: 0, timestamp: BigInt(clock.now()) }));
}

/** Every batch the log serves, in order (a read returns batches of one segment at most). */
async function batches(log: Log): Promise<DecodedRecordBatch[]> {
  const out: DecodedRecordBatch[] = [];
  for (let from = log.logStartOffset; from < log.logEndOffset; ) {
    const r = await log.read(from, 1 << 22);
    if (r.batchCount === 0) break;
    out.push(...(await decodeRecordBatches(r.records)));
    from = r.nextOffset;
  }
  return out;
}

const dataRecords = (bs: DecodedRecordBatch[]) =>
  bs.filter((b) => !b.isControl).flatMap((b) => b.records.map((r) => `${r.offset}:${r.key}=${r.value}`));
const markers = (bs: DecodedRecordBatch[]) => bs.filter((b) => b.isControl && b.records.length > 0).map((b) => `${b.baseOffset}:${b.producerId}`);

async function removeSnapshots(): Promise<void> {
  for (const n of await readdir(dir)) if (n.endsWith('.snapshot')) await rm(join(dir, n));
}

/** One cleaning round with fresh dirty data, so the cleaner has something to do. */
async function round(log: Log, cleaner: LogCleaner, clock: ManualClock, advanceMs: number): Promise<void> {
  await log.append(batch(clock, 'filler', String(clock.now())));
  await log.roll();
  clock.advance(advanceMs);
  expect(await cleaner.cleanOnce([log], clock.now())).toHaveLength(1);
  await log.settle();
}

describe('LogCleaner and producer state', () => {
  it('keeps an idempotent producer’s last batch (empty) so its sequence survives compaction and a rebuild', async () => {
    const clock = new ManualClock(1_000_000);
    const log = await open(clock);
    for (let seq = 0; seq < 5; seq++) await log.append(batch(clock, 'a', `p${seq}`, { pid: 7, seq }));
    await log.append(batch(clock, 'a', 'plain'));
    await log.roll();
    await new LogCleaner().cleanOnce([log], clock.now());
    await log.settle();

    const bs = await batches(log);
    expect(dataRecords(bs)).toEqual(['5:a=plain']);
    const kept = bs.filter((b) => b.producerId === 7n);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.records).toEqual([]);
    expect(kept[0]!.lastOffset).toBe(4n);
    expect(kept[0]!.baseSequence).toBe(4);
    await log.close();

    // Rebuild producer state from the log alone.
    await removeSnapshots();
    const reopened = await open(clock);
    await expect(reopened.append(batch(clock, 'a', 'gap', { pid: 7, seq: 7 }))).rejects.toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' });
    expect((await reopened.append(batch(clock, 'a', 'next', { pid: 7, seq: 5 }))).duplicate).toBe(false);
    await reopened.close();
  });

  it('drops aborted transactional data, keeps committed data and the markers until their transactions are gone', async () => {
    const clock = new ManualClock(1_000_000);
    const log = await open(clock);
    const cleaner = new LogCleaner();
    await log.append(batch(clock, 'a', 'v0')); // 0
    await log.append(batch(clock, 'a', 'aborted', { pid: 1, seq: 0, txn: true })); // 1
    await log.append(batch(clock, 'b', 'committed', { pid: 2, seq: 0, txn: true })); // 2
    await log.append(marker(clock, 1, false), { origin: 'coordinator' }); // 3
    await log.append(marker(clock, 2, true), { origin: 'coordinator' }); // 4
    await log.roll();
    expect(await cleaner.cleanOnce([log], clock.now())).toHaveLength(1);
    await log.settle();

    let bs = await batches(log);
    expect(dataRecords(bs)).toEqual(['0:a=v0', '2:b=committed']);
    expect(markers(bs)).toEqual(['3:1', '4:2']);
    // The aborted batch stays as an empty batch: it is producer 1's last data batch.
    expect(bs.find((b) => b.producerId === 1n && !b.isControl)!.records).toEqual([]);

    // A newer 'b' supersedes the committed one; producer 2 moves on, so its old batch can go.
    await log.append(batch(clock, 'b', 'newer')); // 5
    await log.append(batch(clock, 'c', 'p2', { pid: 2, seq: 1 })); // 6
    await round(log, cleaner, clock, 10);
    bs = await batches(log);
    expect(dataRecords(bs)).toEqual(['0:a=v0', '5:b=newer', '6:c=p2', '7:filler=1000000']);
    // Producer 2's transactional batch was still read in this round (and dropped), so its COMMIT stays once more.
    expect(markers(bs)).toEqual(['3:1', '4:2']);
    expect(bs.some((b) => b.producerId === 2n && b.isTransactional && !b.isControl)).toBe(false);

    // Next round: nothing of producer 2's transaction is left, the COMMIT gets a delete horizon...
    await round(log, cleaner, clock, 10);
    bs = await batches(log);
    const commit = bs.find((b) => b.isControl && b.producerId === 2n)!;
    expect(commit.deleteHorizonMs).toBe(BigInt(clock.now() + 1000));
    // ...while the ABORT stays without one: producer 1's empty aborted batch is still in the log.
    const abort = bs.find((b) => b.isControl && b.producerId === 1n)!;
    expect(abort.hasDeleteHorizon).toBe(false);

    // After the horizon the COMMIT goes.
    await round(log, cleaner, clock, 1_500);
    bs = await batches(log);
    expect(markers(bs)).toEqual(['3:1']);

    // Producer state rebuilt from the cleaned log sees no open transaction.
    await log.close();
    await removeSnapshots();
    const reopened = await open(clock);
    expect(reopened.producerState.firstUndecidedOffset()).toBeUndefined();
    expect(reopened.lastStableOffset).toBe(reopened.logEndOffset);
    await reopened.close();
  });

  it('carries the transaction index entry of a kept ABORT marker into the cleaned segment, and drops it once the transaction’s data is gone', async () => {
    const clock = new ManualClock(1_000_000);
    let log = await open(clock);
    const cleaner = new LogCleaner();
    await log.append(batch(clock, 'a', 'v0')); // 0
    await log.append(batch(clock, 'a', 'aborted', { pid: 1, seq: 0, txn: true })); // 1
    await log.append(batch(clock, 'b', 'committed', { pid: 2, seq: 0, txn: true })); // 2
    await log.append(marker(clock, 1, false), { origin: 'coordinator' }); // 3: producer 2 still open, LSO 2
    await log.append(marker(clock, 2, true), { origin: 'coordinator' }); // 4
    await log.roll();
    const entry = { producerId: 1, firstOffset: 1, lastOffset: 3, lastStableOffset: 2 };
    expect(log.collectAbortedTransactions(0, 5)).toEqual([entry]);

    expect(await cleaner.cleanOnce([log], clock.now())).toHaveLength(1);
    await log.settle();
    // Producer 1's aborted batch stays (empty: it is its last batch), so its ABORT and the entry stay,
    // now in the cleaned segment's index under the live name.
    const cleaned = log.segments()[0]!;
    expect(cleaned.txnIndex.allAbortedTxns()).toEqual([entry]);
    expect((await readdir(dir)).filter((n) => n.includes('.txnindex'))).toEqual(['00000000000000000000.txnindex']);
    expect(log.collectAbortedTransactions(0, 5)).toEqual([entry]);
    // The carried entry matches what a rebuild from the cleaned batches gives.
    await log.close();
    log = await open(clock);
    expect(log.loadReport!.recovered.length).toBeGreaterThan(0);
    expect(log.collectAbortedTransactions(0, 5)).toEqual([entry]);

    // Producer 1 moves on: its aborted batch goes in the next round, which still read it, so the ABORT
    // and its entry are kept once more.
    await log.append(batch(clock, 'c', 'p1', { pid: 1, seq: 1 }));
    await round(log, cleaner, clock, 10);
    let bs = await batches(log);
    expect(bs.some((b) => b.producerId === 1n && b.isTransactional && !b.isControl)).toBe(false);
    expect(markers(bs)).toContain('3:1');
    expect(log.collectAbortedTransactions(0, log.logEndOffset)).toEqual([entry]);

    // Then nothing of the transaction is left: the ABORT waits for its delete horizon without an entry.
    await round(log, cleaner, clock, 10);
    bs = await batches(log);
    expect(bs.find((b) => b.isControl && b.producerId === 1n)!.hasDeleteHorizon).toBe(true);
    expect(log.collectAbortedTransactions(0, log.logEndOffset)).toEqual([]);
    expect((await readdir(dir)).filter((n) => n.includes('.txnindex'))).toEqual([]);
    await log.close();
  });

  it('never cleans past the last stable offset (an open transaction)', async () => {
    const clock = new ManualClock(1_000_000);
    const log = await open(clock);
    await log.append(batch(clock, 'a', 'v0')); // 0
    await log.append(batch(clock, 'a', 'v1')); // 1
    await log.roll();
    await log.append(batch(clock, 'x', 'open', { pid: 3, seq: 0, txn: true })); // 2: segment 2, txn open
    await log.append(batch(clock, 'a', 'v2')); // 3
    await log.roll();
    await log.append(batch(clock, 'a', 'v3')); // 4 (active segment)
    expect(log.lastStableOffset).toBe(2);
    const [result] = await new LogCleaner().cleanOnce([log], clock.now());
    await log.settle();
    // Only the first segment was below the LSO; 'a'@1 is its latest there, and later ones are untouched.
    expect(result!.endOffset).toBe(2);
    expect(dataRecords(await batches(log))).toEqual(['1:a=v1', '2:x=open', '3:a=v2', '4:a=v3']);
    await log.close();
  });
});
