import { mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordBatchView, encodeRecordBatchSync, endTxnMarkerBatch } from '@tributary/protocol';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { ProducerStateError } from './producer-state-error.js';
import { ProducerStateManager, type CheckResult } from './producer-state-manager.js';
import { snapshotFileName } from './snapshot-file.js';

const INT32_MAX = 0x7fffffff;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tributary-psm-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface DataBatch {
  pid: number;
  epoch: number;
  seq: number;
  count?: number;
  ts?: number;
  txn?: boolean;
}

function dataBatch(b: DataBatch): RecordBatchView {
  const ts = BigInt(b.ts ?? 1_000);
  const buf = encodeRecordBatchSync({
    producerId: BigInt(b.pid),
    producerEpoch: b.epoch,
    baseSequence: b.seq,
    isTransactional: b.txn ?? false,
    baseTimestamp: ts,
    records: Array.from({ length: b.count ?? 1 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`), timestamp: ts })),
  });
  return new RecordBatchView(buf);
}

function markerBatch(m: { pid: number; epoch: number; commit: boolean; coordinatorEpoch?: number; ts?: number }): RecordBatchView {
  const buf = encodeRecordBatchSync(
    endTxnMarkerBatch({ commit: m.commit, producerId: BigInt(m.pid), producerEpoch: m.epoch, coordinatorEpoch: m.coordinatorEpoch ?? 0, timestamp: BigInt(m.ts ?? 1_000) }),
  );
  return new RecordBatchView(buf);
}

/** A minimal partition: checks, assigns offsets and records, as the Log does. */
class Partition {
  nextOffset = 0;
  constructor(public psm: ProducerStateManager) {}

  append(view: RecordBatchView): CheckResult & { baseOffset?: number } {
    const result = this.psm.check(view);
    if (result.duplicate) return result;
    view.setBaseOffsetNum(this.nextOffset);
    this.nextOffset = view.lastOffsetNum + 1;
    this.psm.update(view, 5_000);
    return { duplicate: false, baseOffset: view.baseOffsetNum };
  }
}

function expectError(fn: () => unknown, code: string, errorCode: number): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ProducerStateError);
  expect((caught as ProducerStateError).code).toBe(code);
  expect((caught as ProducerStateError).errorCode).toBe(errorCode);
}

// Test batches carry timestamps near 1000 ms; a clock near them keeps producers from expiring on load.
const testClock = new ManualClock(2_000);

async function partition(opts = {}): Promise<Partition> {
  return new Partition(await ProducerStateManager.open(dir, { clock: testClock, ...opts }));
}

describe('ProducerStateManager sequence rules', () => {
  it('accepts an unknown producer at any sequence (Kafka 3.x: its state may have been lost)', async () => {
    const p = await partition();
    expect(p.append(dataBatch({ pid: 1, epoch: 0, seq: 42 })).duplicate).toBe(false);
    expect(p.append(dataBatch({ pid: 2, epoch: 3, seq: 0 })).duplicate).toBe(false);
  });

  it('requires each batch to follow the last sequence; a gap or a repeat outside the cache is out of order', async () => {
    const p = await partition();
    p.append(dataBatch({ pid: 1, epoch: 0, seq: 0, count: 3 })); // 0..2
    p.append(dataBatch({ pid: 1, epoch: 0, seq: 3, count: 2 })); // 3..4
    expectError(() => p.append(dataBatch({ pid: 1, epoch: 0, seq: 6 })), 'OUT_OF_ORDER_SEQUENCE_NUMBER', 45);
    expectError(() => p.append(dataBatch({ pid: 1, epoch: 0, seq: 4 })), 'OUT_OF_ORDER_SEQUENCE_NUMBER', 45);
    // Same first sequence as a cached batch but a different range is not a duplicate.
    expectError(() => p.append(dataBatch({ pid: 1, epoch: 0, seq: 3, count: 1 })), 'OUT_OF_ORDER_SEQUENCE_NUMBER', 45);
    expect(p.append(dataBatch({ pid: 1, epoch: 0, seq: 5 })).duplicate).toBe(false);
  });

  it('answers a retry of each of the last five batches with its original offsets, and forgets the sixth', async () => {
    const p = await partition();
    const appended: { seq: number; count: number; base: number; last: number }[] = [];
    let seq = 0;
    for (let i = 0; i < 6; i++) {
      const count = i + 1;
      const r = p.append(dataBatch({ pid: 7, epoch: 2, seq, count }));
      appended.push({ seq, count, base: r.baseOffset!, last: r.baseOffset! + count - 1 });
      seq += count;
    }
    const endBefore = p.nextOffset;
    for (const a of appended.slice(1)) {
      expect(p.append(dataBatch({ pid: 7, epoch: 2, seq: a.seq, count: a.count }))).toEqual({ duplicate: true, firstOffset: a.base, lastOffset: a.last });
    }
    expect(p.nextOffset).toBe(endBefore);
    // The oldest batch left the cache: its retry is now simply out of order.
    expectError(() => p.append(dataBatch({ pid: 7, epoch: 2, seq: appended[0]!.seq, count: appended[0]!.count })), 'OUT_OF_ORDER_SEQUENCE_NUMBER', 45);
  });

  it('does not treat the same sequence range under another epoch as a duplicate', async () => {
    const p = await partition();
    p.append(dataBatch({ pid: 1, epoch: 0, seq: 0 }));
    expect(p.append(dataBatch({ pid: 1, epoch: 1, seq: 0 })).duplicate).toBe(false);
    expect(p.nextOffset).toBe(2);
  });

  it('wraps sequences at Int32.MAX', async () => {
    const p = await partition();
    p.append(dataBatch({ pid: 1, epoch: 0, seq: INT32_MAX - 1, count: 2 })); // ..MAX
    expect(p.psm.lastEntry(1)!.lastSeq).toBe(INT32_MAX);
    expectError(() => p.append(dataBatch({ pid: 1, epoch: 0, seq: INT32_MAX })), 'OUT_OF_ORDER_SEQUENCE_NUMBER', 45);
    p.append(dataBatch({ pid: 1, epoch: 0, seq: 0 }));
    // A batch spanning the wrap: MAX-1, MAX, 0 → last sequence 0, next must be 1.
    const q = await partition();
    q.append(dataBatch({ pid: 2, epoch: 0, seq: INT32_MAX - 1, count: 3 }));
    expect(q.psm.lastEntry(2)!.lastSeq).toBe(0);
    expect(q.append(dataBatch({ pid: 2, epoch: 0, seq: INT32_MAX - 1, count: 3 })).duplicate).toBe(true);
    expectError(() => q.append(dataBatch({ pid: 2, epoch: 0, seq: 0 })), 'OUT_OF_ORDER_SEQUENCE_NUMBER', 45);
    expect(q.append(dataBatch({ pid: 2, epoch: 0, seq: 1 })).duplicate).toBe(false);
  });

  it('requires sequence 0 after an epoch bump and fences older epochs', async () => {
    const p = await partition();
    p.append(dataBatch({ pid: 1, epoch: 3, seq: 0, count: 5 }));
    expectError(() => p.append(dataBatch({ pid: 1, epoch: 4, seq: 5 })), 'OUT_OF_ORDER_SEQUENCE_NUMBER', 45);
    p.append(dataBatch({ pid: 1, epoch: 4, seq: 0 }));
    expectError(() => p.append(dataBatch({ pid: 1, epoch: 3, seq: 5 })), 'INVALID_PRODUCER_EPOCH', 47);
    // A retry from the fenced epoch is not answered as a duplicate either.
    expectError(() => p.append(dataBatch({ pid: 1, epoch: 3, seq: 0, count: 5 })), 'INVALID_PRODUCER_EPOCH', 47);
    expect(p.psm.lastEntry(1)!.batches).toHaveLength(1);
  });

  it('checks only the epoch of a coordinator write (its transactional offset commits), as Kafka does', async () => {
    const p = await partition();
    const coordinatorWrite = (epoch: number) => dataBatch({ pid: 7, epoch, seq: 0, txn: true });
    // The coordinator writes every batch with sequence 0: neither a duplicate nor out of order for it.
    for (let i = 0; i < 3; i++) {
      const view = coordinatorWrite(2);
      expect(p.psm.check(view, 'coordinator').duplicate).toBe(false);
      view.setBaseOffsetNum(p.nextOffset);
      p.nextOffset = view.lastOffsetNum + 1;
      p.psm.update(view, 5_000);
    }
    // The same batch from a client is the duplicate of a cached one; an older epoch is fenced for both.
    expect(p.psm.check(coordinatorWrite(2)).duplicate).toBe(true);
    expectError(() => p.psm.check(coordinatorWrite(1), 'coordinator'), 'INVALID_PRODUCER_EPOCH', 47);
  });

  it('refuses an idempotent batch without a sequence', async () => {
    const p = await partition();
    expectError(() => p.append(dataBatch({ pid: 1, epoch: 0, seq: -1 })), 'INVALID_RECORD', 87);
  });

  it('ignores batches without a producer id but still tracks the map end', async () => {
    const p = await partition();
    const plain = dataBatch({ pid: -1, epoch: -1, seq: -1, count: 4 });
    expect(p.append(plain).duplicate).toBe(false);
    expect(p.psm.activeProducers()).toEqual([]);
    expect(p.psm.mapEndOffset()).toBe(4);
  });
});

describe('ProducerStateManager transactions', () => {
  it('tracks an open transaction, refuses non-transactional writes inside it and completes it with a marker', async () => {
    const p = await partition();
    p.append(dataBatch({ pid: 1, epoch: 0, seq: 0 })); // offset 0, plain idempotent
    p.append(dataBatch({ pid: 9, epoch: 0, seq: 0, txn: true, count: 2 })); // 1..2
    p.append(dataBatch({ pid: 1, epoch: 0, seq: 1, txn: true })); // 3
    expect(p.psm.firstUndecidedOffset()).toBe(1);
    expect(p.psm.firstUnstableOffset()).toBe(1);
    expect(p.psm.lastStableOffsetCandidate(4)).toBe(1);
    expectError(() => p.append(dataBatch({ pid: 9, epoch: 0, seq: 2 })), 'INVALID_TXN_STATE', 48);

    const m = markerBatch({ pid: 9, epoch: 0, commit: true, coordinatorEpoch: 4 });
    expect(p.psm.check(m)).toEqual({ duplicate: false });
    m.setBaseOffsetNum(p.nextOffset);
    p.nextOffset += 1;
    expect(p.psm.update(m)).toEqual({ producerId: 9, firstOffset: 1, lastOffset: 4, isAborted: false });
    // Completed but its marker is not yet replicated: still unstable until the high watermark passes it.
    expect(p.psm.firstUndecidedOffset()).toBe(3);
    expect(p.psm.firstUnstableOffset()).toBe(1);
    p.psm.onHighWatermarkUpdated(5);
    expect(p.psm.firstUnstableOffset()).toBe(3);
    expect(p.psm.lastEntry(9)!.currentTxnFirstOffset).toBe(-1);
    expect(p.psm.lastEntry(9)!.coordinatorEpoch).toBe(4);
    // Producer 9 may write non-transactionally again.
    expect(p.append(dataBatch({ pid: 9, epoch: 0, seq: 2 })).duplicate).toBe(false);

    const abort = markerBatch({ pid: 1, epoch: 0, commit: false, coordinatorEpoch: 4 });
    abort.setBaseOffsetNum(p.nextOffset);
    expect(p.psm.update(abort)).toEqual({ producerId: 1, firstOffset: 3, lastOffset: p.nextOffset, isAborted: true });
    p.psm.onHighWatermarkUpdated(p.nextOffset + 1);
    expect(p.psm.firstUnstableOffset()).toBeUndefined();
    expect(p.psm.lastStableOffsetCandidate(10)).toBe(10);
  });

  it('fences markers from an older coordinator epoch and an older producer epoch', async () => {
    const p = await partition();
    p.append(dataBatch({ pid: 1, epoch: 2, seq: 0, txn: true }));
    const first = markerBatch({ pid: 1, epoch: 2, commit: true, coordinatorEpoch: 5 });
    first.setBaseOffsetNum(1);
    p.psm.update(first);
    expectError(() => p.psm.check(markerBatch({ pid: 1, epoch: 2, commit: true, coordinatorEpoch: 4 })), 'TRANSACTION_COORDINATOR_FENCED', 52);
    expectError(() => p.psm.check(markerBatch({ pid: 1, epoch: 1, commit: false, coordinatorEpoch: 5 })), 'INVALID_PRODUCER_EPOCH', 47);
    expect(p.psm.check(markerBatch({ pid: 1, epoch: 3, commit: false, coordinatorEpoch: 5 }))).toEqual({ duplicate: false });
  });

  it('a marker with a bumped epoch clears cached batches: the next data batch must start at 0', async () => {
    const p = await partition();
    p.append(dataBatch({ pid: 1, epoch: 0, seq: 0, count: 3, txn: true }));
    const m = markerBatch({ pid: 1, epoch: 1, commit: false });
    m.setBaseOffsetNum(3);
    p.nextOffset = 4;
    p.psm.update(m);
    expect(p.psm.lastEntry(1)!.producerEpoch).toBe(1);
    expectError(() => p.append(dataBatch({ pid: 1, epoch: 1, seq: 3 })), 'OUT_OF_ORDER_SEQUENCE_NUMBER', 45);
    expect(p.append(dataBatch({ pid: 1, epoch: 1, seq: 0 })).duplicate).toBe(false);
  });

  it('an empty control batch (a marker emptied by the cleaner) changes nothing', async () => {
    const p = await partition();
    p.append(dataBatch({ pid: 3, epoch: 0, seq: 0, txn: true }));
    const empty = new RecordBatchView(
      encodeRecordBatchSync({ producerId: 3n, producerEpoch: 0, isTransactional: true, isControl: true, baseOffset: 1n, baseTimestamp: 1_000n, lastOffsetDelta: 0, records: [] }),
    );
    expect(p.psm.update(empty)).toBeUndefined();
    expect(p.psm.lastEntry(3)!.currentTxnFirstOffset).toBe(0);
    const unknown = new RecordBatchView(
      encodeRecordBatchSync({ producerId: 4n, producerEpoch: 0, isTransactional: true, isControl: true, baseOffset: 2n, baseTimestamp: 1_000n, lastOffsetDelta: 0, records: [] }),
    );
    p.psm.update(unknown);
    expect(p.psm.lastEntry(4)).toBeUndefined();
    expect(p.psm.mapEndOffset()).toBe(3);
  });

  it('a marker with no transaction open completes nothing', async () => {
    const p = await partition();
    const m = markerBatch({ pid: 3, epoch: 0, commit: true });
    m.setBaseOffsetNum(0);
    expect(p.psm.update(m)).toBeUndefined();
    expect(p.psm.lastEntry(3)!.producerEpoch).toBe(0);
  });
});

describe('ProducerStateManager expiration and enumeration', () => {
  it('expires idle producers after producer.id.expiration.ms unless a transaction is open', async () => {
    const p = await partition({ producerIdExpirationMs: 1_000 });
    p.append(dataBatch({ pid: 1, epoch: 0, seq: 0, ts: 10_000 }));
    p.append(dataBatch({ pid: 2, epoch: 0, seq: 0, ts: 10_000, txn: true }));
    p.append(dataBatch({ pid: 3, epoch: 0, seq: 0, ts: 10_500 }));
    expect(p.psm.removeExpiredProducers(10_999)).toEqual([]);
    expect(p.psm.removeExpiredProducers(11_000)).toEqual([1]);
    expect(p.psm.activeProducers().map((x) => x.producerId).sort()).toEqual([2, 3]);
    // Forgotten producer 1 is accepted again at any sequence, as Kafka does.
    expect(p.append(dataBatch({ pid: 1, epoch: 0, seq: 77, ts: 20_000 })).duplicate).toBe(false);
  });

  it('uses the append time for a batch without timestamp', async () => {
    const p = await partition({ producerIdExpirationMs: 1_000 });
    p.append(dataBatch({ pid: 1, epoch: 0, seq: 0, ts: -1 })); // Partition passes appendTimeMs 5000
    expect(p.psm.activeProducers()[0]!.lastTimestamp).toBe(5_000);
    expect(p.psm.removeExpiredProducers(5_999)).toEqual([]);
  });

  it('describes producers and the last records the cleaner must keep', async () => {
    const p = await partition();
    p.append(dataBatch({ pid: 5, epoch: 1, seq: 0, count: 2, ts: 123 }));
    p.append(dataBatch({ pid: 6, epoch: 0, seq: 0, txn: true, ts: 456 }));
    const m = markerBatch({ pid: 6, epoch: 1, commit: false, coordinatorEpoch: 2, ts: 789 });
    m.setBaseOffsetNum(3);
    p.psm.update(m);
    expect(p.psm.activeProducers()).toEqual([
      { producerId: 5, producerEpoch: 1, lastSequence: 1, lastTimestamp: 123, coordinatorEpoch: -1, currentTxnStartOffset: -1 },
      { producerId: 6, producerEpoch: 1, lastSequence: -1, lastTimestamp: 789, coordinatorEpoch: 2, currentTxnStartOffset: -1 },
    ]);
    expect(p.psm.lastRecordsOfActiveProducers()).toEqual(
      new Map([
        [5, { lastDataOffset: 1, producerEpoch: 1 }],
        [6, { lastDataOffset: undefined, producerEpoch: 1 }],
      ]),
    );
  });
});

describe('ProducerStateManager snapshots', () => {
  it('restores deduplication and open transactions from a snapshot', async () => {
    const p = await partition();
    p.append(dataBatch({ pid: 1, epoch: 0, seq: 0, count: 2 }));
    p.append(dataBatch({ pid: 1, epoch: 0, seq: 2, count: 2 }));
    p.append(dataBatch({ pid: 2, epoch: 0, seq: 0, txn: true }));
    await p.psm.takeSnapshot(p.nextOffset);
    expect(await readdir(dir)).toEqual([snapshotFileName(5)]);

    const reopened = await ProducerStateManager.open(dir, { clock: testClock });
    expect(reopened.latestSnapshotOffset()).toBe(5);
    expect(await reopened.loadSnapshotUpTo(5)).toBe(5);
    expect(reopened.mapEndOffset()).toBe(5);
    expect(reopened.check(dataBatch({ pid: 1, epoch: 0, seq: 0, count: 2 }))).toEqual({ duplicate: true, firstOffset: 0, lastOffset: 1 });
    expect(reopened.check(dataBatch({ pid: 1, epoch: 0, seq: 2, count: 2 }))).toEqual({ duplicate: true, firstOffset: 2, lastOffset: 3 });
    expect(reopened.firstUnstableOffset()).toBe(4);
    expect(reopened.activeProducers()).toEqual(p.psm.activeProducers());
  });

  it('ignores and deletes a torn or corrupted snapshot, falling back to an older one', async () => {
    const p = await partition();
    p.append(dataBatch({ pid: 1, epoch: 0, seq: 0 }));
    await p.psm.takeSnapshot(1);
    p.append(dataBatch({ pid: 1, epoch: 0, seq: 1 }));
    await p.psm.takeSnapshot(2);
    p.append(dataBatch({ pid: 1, epoch: 0, seq: 2 }));
    await p.psm.takeSnapshot(3);

    // Torn: cut mid-way. Corrupt: one flipped byte in the body.
    await truncate(join(dir, snapshotFileName(3)), 20);
    const bytes = await readFile(join(dir, snapshotFileName(2)));
    bytes[bytes.length - 3] ^= 0xff;
    await writeFile(join(dir, snapshotFileName(2)), bytes);

    const reopened = await ProducerStateManager.open(dir, { clock: testClock });
    expect(await reopened.loadSnapshotUpTo(10)).toBe(1);
    expect(reopened.snapshots()).toEqual([1]);
    expect((await readdir(dir)).sort()).toEqual([snapshotFileName(1)]);
    expect(reopened.lastEntry(1)!.lastSeq).toBe(0);
  });

  it('returns the log start offset when no snapshot can be used, and removes stale tmp files on open', async () => {
    await writeFile(join(dir, `${snapshotFileName(9)}.tmp`), 'partial');
    await writeFile(join(dir, snapshotFileName(4)), Buffer.from([0, 1, 2]));
    const psm = await ProducerStateManager.open(dir, { clock: testClock });
    expect(await readdir(dir)).toEqual([snapshotFileName(4)]);
    expect(await psm.loadSnapshotUpTo(100, 3)).toBe(3);
    expect(psm.mapEndOffset()).toBe(3);
    expect(psm.snapshots()).toEqual([]);
  });

  it('skips producers that expired while the broker was down', async () => {
    const clock = new ManualClock(10_000);
    const p = await partition({ clock, producerIdExpirationMs: 1_000 });
    p.append(dataBatch({ pid: 1, epoch: 0, seq: 0, ts: 9_500 }));
    p.append(dataBatch({ pid: 2, epoch: 0, seq: 0, ts: 9_900 }));
    await p.psm.takeSnapshot(2);
    clock.set(10_600);
    const reopened = await ProducerStateManager.open(dir, { clock, producerIdExpirationMs: 1_000 });
    await reopened.loadSnapshotUpTo(2);
    expect(reopened.activeProducers().map((x) => x.producerId)).toEqual([2]);
  });

  it('truncateTo drops snapshots above the offset and reloads; deleteSnapshotsBefore drops old ones', async () => {
    const p = await partition();
    for (let i = 0; i < 4; i++) {
      p.append(dataBatch({ pid: 1, epoch: 0, seq: i }));
      await p.psm.takeSnapshot(p.nextOffset);
    }
    expect(p.psm.snapshots()).toEqual([1, 2, 3, 4]);
    expect(await p.psm.truncateTo(2)).toBe(2);
    expect(p.psm.snapshots()).toEqual([1, 2]);
    expect(p.psm.lastEntry(1)!.lastSeq).toBe(1);
    // The next write after truncation continues from the truncated state.
    p.nextOffset = 2;
    expect(p.append(dataBatch({ pid: 1, epoch: 0, seq: 2 })).duplicate).toBe(false);
    await p.psm.deleteSnapshotsBefore(2);
    expect(p.psm.snapshots()).toEqual([2]);
    expect(await readdir(dir)).toEqual([snapshotFileName(2)]);
    await p.psm.truncateFullyAndStartAt(50);
    expect(p.psm.snapshots()).toEqual([]);
    expect(p.psm.activeProducers()).toEqual([]);
    expect(p.psm.mapEndOffset()).toBe(50);
  });

  it('snapshot + replay rebuilds exactly the state of uninterrupted processing', async () => {
    const op = fc.record({
      pid: fc.integer({ min: 0, max: 3 }),
      epochBump: fc.boolean(),
      count: fc.integer({ min: 1, max: 4 }),
      kind: fc.constantFrom('data', 'txn', 'commit', 'abort'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), fc.nat(), async (ops, cut) => {
        const runDir = await mkdtemp(join(dir, 'run-'));

        // Build a log of valid batches from a simple per-producer model.
        const epochs = new Map<number, number>();
        const seqs = new Map<number, number>();
        const log: RecordBatchView[] = [];
        let offset = 0;
        for (const o of ops) {
          let epoch = epochs.get(o.pid) ?? 0;
          let view: RecordBatchView;
          if (o.kind === 'commit' || o.kind === 'abort') {
            view = markerBatch({ pid: o.pid, epoch, commit: o.kind === 'commit', ts: 1_000 + offset });
          } else {
            if (o.epochBump) {
              epoch += 1;
              seqs.set(o.pid, 0);
            }
            const seq = seqs.get(o.pid) ?? 0;
            view = dataBatch({ pid: o.pid, epoch, seq, count: o.count, txn: o.kind === 'txn', ts: 1_000 + offset });
            seqs.set(o.pid, seq + o.count);
          }
          epochs.set(o.pid, epoch);
          view.setBaseOffsetNum(offset);
          offset = view.lastOffsetNum + 1;
          log.push(view);
        }

        const full = await ProducerStateManager.open(runDir, { clock: testClock });
        const snapAt = cut % (log.length + 1);
        for (let i = 0; i < log.length; i++) {
          if (i === snapAt) await full.takeSnapshot(log[i]!.baseOffsetNum);
          full.update(log[i]!);
        }

        const rebuilt = await ProducerStateManager.open(runDir, { clock: testClock });
        const from = await rebuilt.loadSnapshotUpTo(offset);
        for (const v of log) if (v.baseOffsetNum >= from) rebuilt.update(v);

        expect(rebuilt.activeProducers()).toEqual(full.activeProducers());
        expect(rebuilt.firstUndecidedOffset()).toBe(full.firstUndecidedOffset());
        expect(rebuilt.mapEndOffset()).toBe(full.mapEndOffset());
        for (const pid of [0, 1, 2, 3]) expect(rebuilt.lastEntry(pid)?.batches).toEqual(full.lastEntry(pid)?.batches);
      }),
      { numRuns: 60 },
    );
  });
});
