import { batchViews, encodeRecordBatchSync, endTxnMarkerBatch, RecordBatchView } from '@tributary/protocol';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { parseLogConfig, type LogConfig } from '../config/log-config.js';
import { isStorageError } from '../errors.js';
import { encodeTestBatch } from '../test-support/batches.js';
import { tempDirs } from '../test-support/temp-dir.js';
import { Log } from './log.js';

const dirs = tempDirs('log-prop');
afterAll(() => dirs.cleanup());

/** The in-memory model: the batches the log should hold, in order, with their records' timestamps. */
interface ModelBatch {
  base: number;
  last: number;
  bytes: Buffer;
  timestamps: number[];
  /** A transactional batch of producer `pid`, or (with `marker`) its COMMIT/ABORT. */
  txn?: { pid: number; marker?: 'commit' | 'abort' };
}

class Model {
  batches: ModelBatch[] = [];
  logStart = 0;
  end = 0;

  live(): ModelBatch[] {
    return this.batches.filter((b) => b.last >= this.logStart);
  }
  /** Removes batches ending at or after `offset`'s batch (truncation at batch granularity). */
  truncateTo(offset: number): void {
    if (offset >= this.end) return;
    const hit = this.batches.find((b) => b.last >= offset);
    const cut = hit ? hit.base : offset;
    this.batches = this.batches.filter((b) => b.last < offset);
    this.end = cut;
    this.logStart = Math.min(this.logStart, this.end);
  }
  /**
   * Aborted transactions, from the batches: every ABORT whose producer still has data before it
   * (each transaction has its own producer id, so that data is the transaction's).
   */
  abortedTxns(): Array<{ producerId: number; firstOffset: number; lastOffset: number }> {
    const out: Array<{ producerId: number; firstOffset: number; lastOffset: number }> = [];
    for (const b of this.batches) {
      if (b.txn?.marker !== 'abort') continue;
      const first = this.batches.find((x) => x.txn?.pid === b.txn!.pid && x.txn.marker === undefined);
      if (first && first.base < b.base) out.push({ producerId: b.txn.pid, firstOffset: first.base, lastOffset: b.base });
    }
    return out;
  }
  firstAtOrAfter(ts: number): number | undefined {
    for (const b of this.batches) {
      for (let i = 0; i < b.timestamps.length; i++) {
        const offset = b.base + i;
        if (offset >= this.logStart && b.timestamps[i]! >= ts) return offset;
      }
    }
    return undefined;
  }
}

type Op =
  | { kind: 'append'; batches: Array<{ timestamps: number[]; valueSize: number }> }
  | { kind: 'txn'; producers: Array<{ batches: number; abort: boolean }>; ts: number }
  | { kind: 'read'; at: number; maxBytes: number }
  | { kind: 'roll' }
  | { kind: 'truncate'; at: number }
  | { kind: 'truncateFully'; gap: number }
  | { kind: 'retainBytes'; fraction: number }
  | { kind: 'deleteRecords'; at: number }
  | { kind: 'byTimestamp'; ts: number }
  | { kind: 'reopen'; clean: boolean };

const unit = fc.double({ min: 0, max: 1, noNaN: true });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      batches: fc.array(fc.record({ timestamps: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 6 }), valueSize: fc.integer({ min: 0, max: 120 }) }), {
        minLength: 1,
        maxLength: 3,
      }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('txn' as const),
      producers: fc.array(fc.record({ batches: fc.integer({ min: 1, max: 2 }), abort: fc.boolean() }), { minLength: 1, maxLength: 2 }),
      ts: fc.integer({ min: 0, max: 1000 }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('read' as const), at: unit, maxBytes: fc.integer({ min: 0, max: 2000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('roll' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: unit }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncateFully' as const), gap: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retainBytes' as const), fraction: unit }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteRecords' as const), at: unit }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('byTimestamp' as const), ts: fc.integer({ min: 0, max: 1001 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const), clean: fc.boolean() }) },
);

const configArb = fc.record({
  segmentBytes: fc.integer({ min: 300, max: 2000 }),
  indexInterval: fc.integer({ min: 1, max: 400 }),
  indexBytes: fc.constantFrom(16, 40, 10 * 1024 * 1024),
});

function pick(unitValue: number, from: number, to: number): number {
  return Math.min(to, from + Math.floor(unitValue * (to - from + 1)));
}

async function checkAll(log: Log, model: Model): Promise<void> {
  expect(log.logEndOffset).toBe(model.end);
  expect(log.logStartOffset).toBe(model.logStart);
  const got: Buffer[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const r = await log.read(offset, 700);
    if (r.batchCount === 0) break;
    for (const v of batchViews(r.records)) got.push(Buffer.from(v.bytes()));
    offset = r.nextOffset;
  }
  expect(got).toEqual(model.live().map((b) => b.bytes));
  // Aborted transactions for a spread of fetch ranges, against the definition.
  const aborted = model.abortedTxns();
  const end = model.end;
  for (const start of [model.logStart, Math.floor((model.logStart + end) / 2), end]) {
    for (const upper of [start, start + 1, Math.floor((start + end) / 2) + 1, end, end + 1]) {
      const got = log.collectAbortedTransactions(start, upper).map(({ producerId, firstOffset, lastOffset }) => ({ producerId, firstOffset, lastOffset }));
      expect(got, `aborted in [${start}, ${upper})`).toEqual(aborted.filter((t) => t.lastOffset >= start && t.firstOffset < upper));
    }
  }
}

describe('Log against an in-memory model', () => {
  it('random appends, transactions, reads, rolls, truncations, retention, deleteRecords and reopen agree with the model', async () => {
    await fc.assert(
      fc.asyncProperty(configArb, fc.array(opArb, { minLength: 5, maxLength: 40 }), async (c, ops) => {
        const dir = `${dirs.make()}/p-0`;
        const clock = new ManualClock(1_000_000);
        let config: LogConfig = parseLogConfig({
          'segment.bytes': String(c.segmentBytes),
          'index.interval.bytes': String(c.indexInterval),
          'segment.index.bytes': String(c.indexBytes),
          'file.delete.delay.ms': '0',
          'retention.ms': '-1',
        });
        let log = await Log.open({ dir, config, clock });
        let recoveryPoint = 0;
        let nextProducerId = 1;
        const model = new Model();
        try {
          for (const op of ops) {
            switch (op.kind) {
              case 'append': {
                const bufs = op.batches.map((b) =>
                  encodeTestBatch(
                    b.timestamps.map((ts, i) => ({ value: Buffer.alloc(b.valueSize, i), timestamp: ts })),
                    { baseTimestamp: b.timestamps[0]! },
                  ),
                );
                const records = Buffer.concat(bufs);
                if (records.length > c.segmentBytes) {
                  await expect(log.append(records)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'RECORD_LIST_TOO_LARGE'));
                  break;
                }
                const r = await log.append(records);
                expect(r.firstOffset).toBe(model.end);
                const stored = [...batchViews(Buffer.concat(bufs))];
                let next = model.end;
                op.batches.forEach((b, i) => {
                  const bytes = Buffer.from(stored[i]!.bytes());
                  bytes.writeBigInt64BE(BigInt(next), 0);
                  model.batches.push({ base: next, last: next + b.timestamps.length - 1, bytes, timestamps: b.timestamps });
                  next += b.timestamps.length;
                });
                model.end = next;
                expect(r.lastOffset).toBe(next - 1);
                break;
              }
              case 'txn': {
                // One transaction per producer (fresh ids), data interleaved, then the markers, as a
                // follower receives them: offsets assigned here.
                const pids = op.producers.map(() => nextProducerId++);
                const bufs: Buffer[] = [];
                const added: ModelBatch[] = [];
                let next = model.end;
                const add = (bytes: Buffer, txn: NonNullable<ModelBatch['txn']>) => {
                  added.push({ base: next, last: next, bytes, timestamps: [op.ts], txn });
                  bufs.push(bytes);
                  next++;
                };
                for (let round = 0; round < 2; round++) {
                  op.producers.forEach((p, i) => {
                    if (round >= p.batches) return;
                    const pid = pids[i]!;
                    add(
                      encodeTestBatch([{ value: Buffer.alloc(8, pid), timestamp: op.ts }], { baseOffset: next, producerId: pid, producerEpoch: 0, baseSequence: round, transactional: true }),
                      { pid },
                    );
                  });
                }
                op.producers.forEach((p, i) => {
                  const pid = pids[i]!;
                  const input = endTxnMarkerBatch({ commit: !p.abort, producerId: BigInt(pid), producerEpoch: 0, coordinatorEpoch: 0, timestamp: BigInt(op.ts), baseOffset: BigInt(next) });
                  add(encodeRecordBatchSync(input), { pid, marker: p.abort ? 'abort' : 'commit' });
                });
                const records = Buffer.concat(bufs);
                // One append, so data and markers share a segment; too large for one is refused.
                if (records.length > c.segmentBytes) {
                  await expect(log.appendAsFollower(records)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'RECORD_LIST_TOO_LARGE'));
                  break;
                }
                await log.appendAsFollower(records);
                model.batches.push(...added);
                model.end = next;
                break;
              }
              case 'read': {
                const at = pick(op.at, model.logStart, model.end);
                const r = await log.read(at, op.maxBytes);
                const expected = model.live().filter((b) => b.last >= at);
                const got = [...batchViews(r.records)].map((v) => Buffer.from(v.bytes()));
                if (expected.length === 0) expect(got).toEqual([]);
                else {
                  expect(got.length).toBeGreaterThanOrEqual(1);
                  expect(got).toEqual(expected.slice(0, got.length).map((b) => b.bytes));
                  if (got.length > 1) expect(r.records.length).toBeLessThanOrEqual(op.maxBytes);
                }
                if (model.logStart > 0) {
                  await expect(log.read(model.logStart - 1, 10)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'OFFSET_OUT_OF_RANGE'));
                }
                await expect(log.read(model.end + 1, 10)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'OFFSET_OUT_OF_RANGE'));
                break;
              }
              case 'roll':
                await log.roll();
                break;
              case 'truncate': {
                const at = pick(op.at, 0, model.end);
                // Kafka: a target below the first segment's base empties the log and restarts it there.
                const firstBase = log.segments()[0]!.baseOffset;
                await log.truncateTo(at);
                if (at < firstBase && at < model.end) {
                  model.batches = [];
                  model.end = at;
                  model.logStart = at;
                } else {
                  model.truncateTo(at);
                }
                break;
              }
              case 'truncateFully': {
                const at = model.end + op.gap;
                await log.truncateFullyAndStartAt(at);
                model.batches = [];
                model.end = at;
                model.logStart = at;
                break;
              }
              case 'retainBytes': {
                const limit = Math.floor(log.size * op.fraction);
                const sizes = log.segments().map((s) => s.size);
                config = parseLogConfig({ 'retention.bytes': String(limit) }, config);
                log.updateConfig(config);
                await log.deleteOldSegments();
                // Only whole oldest segments go, and no more than needed to get down to the limit.
                const left = log.size;
                expect(left).toBeGreaterThanOrEqual(Math.min(limit, sizes.reduce((a, b) => a + b, 0)));
                const start = log.logStartOffset;
                expect(start === model.end || model.batches.some((b) => b.base === start) || start === model.logStart).toBe(true);
                model.logStart = Math.max(model.logStart, start);
                config = parseLogConfig({ 'retention.bytes': '-1' }, config);
                log.updateConfig(config);
                break;
              }
              case 'deleteRecords': {
                const at = pick(op.at, 0, model.end);
                const low = await log.deleteRecordsBefore(at);
                model.logStart = Math.max(model.logStart, at);
                expect(low).toBe(model.logStart);
                break;
              }
              case 'byTimestamp': {
                const found = await log.fetchOffsetByTimestamp(op.ts);
                expect(found?.offset).toBe(model.firstAtOrAfter(op.ts));
                break;
              }
              case 'reopen': {
                const logStartOffset = log.logStartOffset;
                await log.close({ flush: op.clean });
                recoveryPoint = log.recoveryPoint;
                log = await Log.open({ dir, config, clock, hadCleanShutdown: op.clean, recoveryPoint, logStartOffset });
                break;
              }
            }
            await checkAll(log, model);
          }
          // Every stored batch is intact.
          for (const seg of log.segments()) for await (const v of seg.batches()) expect(new RecordBatchView(v.buf, v.pos).isCrcValid()).toBe(true);
        } finally {
          await log.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
