import { readFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRecordBatches, encodeRecordBatchSync } from '@tributary/protocol';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readOffsetCheckpoint } from '../checkpoint/offset-checkpoint-file.js';
import { ManualClock } from '../clock.js';
import { parseLogConfig } from '../config/log-config.js';
import { FaultInjectingFileIO } from '../io/fault-injecting-io.js';
import { Log } from '../log/log.js';
import { LogManager, type LogCleanerHook } from '../manager/log-manager.js';
import { LogCleaner } from './log-cleaner.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-cleaner-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const DELETE_RETENTION_MS = 1_000;

function compactedConfig(extra: Record<string, string> = {}) {
  return parseLogConfig({
    'cleanup.policy': 'compact',
    'segment.bytes': '300',
    'delete.retention.ms': String(DELETE_RETENTION_MS),
    'min.cleanable.dirty.ratio': '0',
    'file.delete.delay.ms': '0',
    ...extra,
  });
}

interface Rec {
  offset: number;
  key: string | null;
  value: string | null;
  ts: number;
}

async function openLog(dir: string, clock: ManualClock, extra: Record<string, string> = {}, io?: FaultInjectingFileIO): Promise<Log> {
  return Log.open({ dir, config: compactedConfig(extra), clock, ...(io ? { io } : {}) });
}

async function append(log: Log, clock: ManualClock, recs: { key: string | null; value: string | null }[]): Promise<Rec[]> {
  const ts = clock.now();
  const res = await log.append(
    encodeRecordBatchSync({
      baseTimestamp: BigInt(ts),
      records: recs.map((r) => ({ key: r.key === null ? null : Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value), timestamp: BigInt(ts) })),
    }),
  );
  return recs.map((r, i) => ({ offset: res.firstOffset + i, key: r.key, value: r.value, ts }));
}

/** Every record the log serves, in order. */
async function readAll(log: Log): Promise<Rec[]> {
  const out: Rec[] = [];
  let from = log.logStartOffset;
  while (from < log.logEndOffset) {
    const r = await log.read(from, 1 << 20);
    if (r.batchCount === 0) break;
    for (const b of await decodeRecordBatches(r.records)) {
      for (const rec of b.records) {
        out.push({ offset: Number(rec.offset), key: rec.key?.toString() ?? null, value: rec.value?.toString() ?? null, ts: Number(rec.timestamp) });
      }
    }
    from = r.nextOffset;
  }
  return out;
}

/**
 * The model of one cleaning round (Kafka's rules with the KIP-534 delete horizon): below the upper
 * bound a record survives when it has a key, no later record of that key lies in the dirty section
 * [dirty, upper), and it is not a tombstone whose horizon has passed; a tombstone kept for the first
 * time gets the horizon now + delete.retention.ms. At and above the upper bound nothing changes.
 */
function modelClean(records: Rec[], horizons: Map<number, number>, dirty: number, upper: number, now: number): Rec[] {
  const latest = new Map<string, number>();
  for (const r of records) if (r.key !== null && r.offset >= dirty && r.offset < upper) latest.set(r.key, r.offset);
  return records.filter((r) => {
    if (r.offset >= upper) return true;
    if (r.key === null) return false;
    if (r.offset < (latest.get(r.key) ?? -1)) return false;
    if (r.value !== null) return true;
    const h = horizons.get(r.offset);
    if (h === undefined) {
      horizons.set(r.offset, now + DELETE_RETENTION_MS);
      return true;
    }
    return now < h;
  });
}

/** Kafka's cleaning bound from the segment list: the active segment, or the first dirty segment within min.compaction.lag.ms. */
async function expectedUpperBound(log: Log, dirty: number, now: number, lagMs: number): Promise<number> {
  const segs = log.segments();
  const active = segs[segs.length - 1]!;
  if (lagMs > 0) {
    for (const s of segs.slice(0, -1)) {
      const next = segs[segs.indexOf(s) + 1]!;
      if (next.baseOffset <= dirty) continue;
      if ((await s.largestTimestamp()) > now - lagMs) return Math.max(dirty, s.baseOffset);
    }
  }
  return Math.max(dirty, active.baseOffset);
}

type Step =
  | { kind: 'append'; recs: { key: string | null; value: string | null }[]; advance: number }
  | { kind: 'roll' }
  | { kind: 'clean'; advance: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      recs: fc.array(
        fc.record({
          key: fc.oneof({ weight: 12, arbitrary: fc.constantFrom('k0', 'k1', 'k2', 'k3', 'k4', 'k5') }, { weight: 1, arbitrary: fc.constant(null) }),
          value: fc.oneof({ weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) }, { weight: 1, arbitrary: fc.constant(null) }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      advance: fc.integer({ min: 0, max: 300 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'roll' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('clean' as const), advance: fc.integer({ min: 0, max: 1_500 }) }) },
);

describe('LogCleaner against a model', () => {
  it('keeps the latest record per key, honours delete horizons and min.compaction.lag.ms, preserves offsets, never touches the active segment', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 5, maxLength: 45 }), fc.constantFrom(0, 0, 700), async (steps, lagMs) => {
        const dir = join(root, `run${run++}`, 'topic-0');
        const clock = new ManualClock(1_000_000);
        const log = await openLog(dir, clock, { 'min.compaction.lag.ms': String(lagMs) });
        const cleaner = new LogCleaner();
        let model: Rec[] = [];
        const horizons = new Map<number, number>();
        let dirty = 0;
        try {
          for (const step of [...steps, { kind: 'clean' as const, advance: 2_000 }]) {
            if (step.kind === 'append') {
              model.push(...(await append(log, clock, step.recs)));
              clock.advance(step.advance);
            } else if (step.kind === 'roll') {
              await log.roll();
            } else {
              clock.advance(step.advance);
              const now = clock.now();
              const upper = await expectedUpperBound(log, dirty, now, lagMs);
              const active = log.segments()[log.segments().length - 1]!;
              const activeBytes = await readFile(active.logPath);
              const untouched = log.segments().filter((s) => s.baseOffset >= upper);

              const results = await cleaner.cleanOnce([log], now);
              await log.settle();

              if (upper > dirty) {
                expect(results).toHaveLength(1);
                expect(results[0]!.firstDirtyOffset).toBe(dirty);
                expect(results[0]!.endOffset).toBe(upper);
                model = modelClean(model, horizons, dirty, upper, now);
                dirty = upper;
                const cp = await readOffsetCheckpoint(join(dir, '..', 'cleaner-offset-checkpoint'));
                expect(cp.get('topic:0')).toBe(upper);
              } else {
                expect(results).toEqual([]);
              }
              const actual = await readAll(log);
              expect(actual).toEqual(model);
              for (let i = 1; i < actual.length; i++) expect(actual[i]!.offset).toBeGreaterThan(actual[i - 1]!.offset);
              // The active segment and everything past the bound are the same segment objects, bytes unchanged.
              expect(await readFile(active.logPath)).toEqual(activeBytes);
              for (const s of untouched) expect(log.segments()).toContain(s);
            }
          }
        } finally {
          await log.close();
          await cleaner.close();
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('LogCleaner behaviour', () => {
  it('cleans a log only while its dirty ratio exceeds min.cleanable.dirty.ratio', async () => {
    const clock = new ManualClock(1_000);
    const log = await openLog(join(root, 't-0'), clock, { 'min.cleanable.dirty.ratio': '0.5', 'segment.bytes': '2000' });
    const cleaner = new LogCleaner();
    // Distinct keys: cleaning keeps everything, so the clean section stays large.
    for (let i = 0; i < 60; i++) await append(log, clock, [{ key: `k${i}`, value: 'x'.repeat(20) }]);
    await log.roll();
    expect((await cleaner.measure(log, clock.now()))!.cleanableRatio).toBe(1);
    expect(await cleaner.cleanOnce([log], clock.now())).toHaveLength(1);

    // A little new dirty data: ratio well below 0.5, nothing happens.
    for (let i = 0; i < 5; i++) await append(log, clock, [{ key: 'hot', value: `v${i}` }]);
    await log.roll();
    const small = (await cleaner.measure(log, clock.now()))!;
    expect(small.cleanableRatio).toBeGreaterThan(0);
    expect(small.cleanableRatio).toBeLessThan(0.5);
    expect(await cleaner.cleanOnce([log], clock.now())).toEqual([]);
    expect((await readAll(log)).filter((r) => r.key === 'hot')).toHaveLength(5);

    // Enough dirty data to pass the threshold: cleaned, only the last 'hot' survives.
    for (let i = 5; i < 120; i++) await append(log, clock, [{ key: 'hot', value: `v${i}` }]);
    await log.roll();
    expect((await cleaner.measure(log, clock.now()))!.cleanableRatio).toBeGreaterThan(0.5);
    expect(await cleaner.cleanOnce([log], clock.now())).toHaveLength(1);
    await log.settle();
    expect((await readAll(log)).filter((r) => r.key === 'hot').map((r) => r.value)).toEqual(['v119']);
    expect(await cleaner.cleanOnce([log], clock.now())).toEqual([]);
    await log.close();
  });

  it('merges small cleaned segments into one when segment.bytes allows', async () => {
    const clock = new ManualClock(1_000);
    const log = await openLog(join(root, 'g-0'), clock, { 'segment.bytes': '1000' });
    const cleaner = new LogCleaner();
    for (let i = 0; i < 60; i++) await append(log, clock, [{ key: `k${i % 2}`, value: 'x'.repeat(30) }]);
    await log.roll();
    await cleaner.cleanOnce([log], clock.now());
    await log.settle();
    const afterFirst = log.segments().length;
    // The first round rewrites segments one by one (each was full); most are now nearly empty.
    expect(afterFirst).toBeGreaterThan(5);
    for (let i = 0; i < 4; i++) await append(log, clock, [{ key: `k${i % 2}`, value: `new${i}` }]);
    await log.roll();
    await cleaner.cleanOnce([log], clock.now());
    await log.settle();
    // Second round: the small cleaned segments are cleaned together into one.
    expect(log.segments().length).toBe(2);
    expect((await readAll(log)).map((r) => `${r.key}=${r.value}`)).toEqual(['k0=new2', 'k1=new3']);
    await log.close();
  });

  it('cleans a dirty section larger than the offset map over several rounds', async () => {
    const clock = new ManualClock(1_000);
    const log = await openLog(join(root, 'm-0'), clock, { 'segment.bytes': '600' });
    const written: Rec[] = [];
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < 30; i++) written.push(...(await append(log, clock, [{ key: `k${i}`, value: `p${pass}` }])));
    }
    await log.roll();
    const upper = log.logEndOffset;
    const cleaner = new LogCleaner({ maxOffsetMapEntries: 8 });
    const ends: number[] = [];
    for (let round = 0; round < 20 && (ends.length === 0 || ends[ends.length - 1]! < upper); round++) {
      const [r] = await cleaner.cleanOnce([log], clock.now());
      await log.settle();
      ends.push(r!.endOffset);
      // Whatever is past this round's mapped end is exactly as written.
      const after = await readAll(log);
      expect(after.filter((x) => x.offset >= r!.endOffset)).toEqual(written.filter((x) => x.offset >= r!.endOffset));
    }
    expect(ends.length).toBeGreaterThan(3);
    for (let i = 1; i < ends.length; i++) expect(ends[i]!).toBeGreaterThan(ends[i - 1]!);
    expect(ends[ends.length - 1]).toBe(upper);
    expect((await readAll(log)).map((r) => `${r.key}=${r.value}`)).toEqual(Array.from({ length: 30 }, (_, i) => `k${i}=p1`));
    await log.close();
  });

  it('skips logs that are not compacted', async () => {
    const clock = new ManualClock(1_000);
    const log = await Log.open({ dir: join(root, 'd-0'), config: parseLogConfig({ 'segment.bytes': '300' }), clock });
    for (let i = 0; i < 20; i++) await append(log, clock, [{ key: 'same', value: `v${i}` }]);
    expect(await new LogCleaner().cleanOnce([log], clock.now())).toEqual([]);
    expect((await readAll(log)).length).toBe(20);
    await log.close();
  });
});

describe('LogCleaner in the log manager', () => {
  it('is the manager’s cleaner hook: a tick after log.cleaner.backoff.ms compacts, truncation lowers the checkpoint', async () => {
    const clock = new ManualClock(1_000);
    const cleaner = new LogCleaner();
    const hook: LogCleanerHook = cleaner;
    const manager = await LogManager.open({ logDirs: [root], clock, cleaner: hook, cleanerBackoffMs: 15_000 });
    const log = await manager.getOrCreateLog('compacted', 0, compactedConfig());
    for (let i = 0; i < 30; i++) await append(log, clock, [{ key: `k${i % 3}`, value: `v${i}` }]);
    await log.roll();
    clock.advance(15_000);
    await manager.tick();
    await log.settle();
    expect((await readAll(log)).map((r) => r.value)).toEqual(['v27', 'v28', 'v29']);
    const checkpoint = join(root, 'cleaner-offset-checkpoint');
    expect((await readOffsetCheckpoint(checkpoint)).get('compacted:0')).toBe(30);

    // A follower truncation below the cleaned point: the checkpoint follows the new log end.
    await log.truncateTo(29);
    expect(log.logEndOffset).toBe(29);
    await vi.waitFor(async () => expect((await readOffsetCheckpoint(checkpoint)).get('compacted:0')).toBe(29));
    await manager.deleteLog('compacted', 0);
    // close() waits for the manager's background work (the truncation and deletion callbacks).
    await manager.close();
    expect((await readOffsetCheckpoint(checkpoint)).has('compacted:0')).toBe(false);
  });
});

describe('LogCleaner crash safety', () => {
  async function dirtyLog(dir: string, clock: ManualClock, io?: FaultInjectingFileIO): Promise<{ log: Log; before: Rec[] }> {
    const log = await openLog(dir, clock, {}, io);
    for (let i = 0; i < 30; i++) await append(log, clock, [{ key: `k${i % 4}`, value: `v${i}` }]);
    return { log, before: await readAll(log) };
  }

  const cases = [
    { name: 'after .swap is written, before the old segments are renamed', rule: { ops: ['rename' as const], pathIncludes: '.log', skip: 1, times: 1 }, swapped: true },
    { name: 'after the old segments are renamed .deleted, before .swap gets its live name', rule: { ops: ['rename' as const], pathIncludes: '.swap', times: 1 }, swapped: true },
    { name: 'before the .cleaned segment becomes .swap', rule: { ops: ['rename' as const], pathIncludes: '.cleaned', times: 1 }, swapped: false },
  ];

  for (const c of cases) {
    it(`recovers a consistent log when the broker dies ${c.name}`, async () => {
      const dir = join(root, 'crash-0');
      const clock = new ManualClock(1_000);
      const io = new FaultInjectingFileIO();
      const { log, before } = await dirtyLog(dir, clock, io);
      const firstActive = log.segments()[log.segments().length - 1]!.baseOffset;
      io.inject(c.rule);
      const cleaner = new LogCleaner({ onError: () => undefined });
      await cleaner.cleanOnce([log], clock.now());
      expect(io.injected.length).toBe(1);
      // The failed swap took the log offline: the "crash". Nothing more is written by this instance.
      expect(log.isOffline).toBe(true);
      await log.close().catch(() => undefined);

      const reopened = await openLog(dir, clock);
      const after = await readAll(reopened);
      const names = await readdir(dir);
      expect(names.filter((n) => n.endsWith('.swap') || n.endsWith('.cleaned'))).toEqual([]);
      // Old state or fully cleaned state, never a mix: offsets increase and every key's latest value survives.
      const expected = c.swapped ? modelClean(before, new Map(), 0, firstActive, clock.now()) : before;
      // Only the first group may have been swapped; later groups (if any) are still uncleaned.
      if (c.swapped) {
        expect(after.length).toBeLessThan(before.length);
        const latest = new Map(before.map((r) => [r.key, r.value]));
        expect(new Map(after.map((r) => [r.key, r.value]))).toEqual(latest);
        for (const r of after) expect(before).toContainEqual(r);
        for (const r of expected) expect(after).toContainEqual(r);
      } else {
        expect(after).toEqual(expected);
      }
      for (let i = 1; i < after.length; i++) expect(after[i]!.offset).toBeGreaterThan(after[i - 1]!.offset);
      // The log is usable: it appends after its old end.
      const next = await append(reopened, clock, [{ key: 'k0', value: 'new' }]);
      expect(next[0]!.offset).toBe(before[before.length - 1]!.offset + 1);
      await reopened.close();
      await cleaner.close();
    });
  }
});
