import { join } from 'node:path';
import type { LogConfig } from '../config/log-config.js';
import type { FileIO } from '../io/file-io.js';
import { LogSegment } from '../segment/log-segment.js';
import { CLEANED_SUFFIX, DELETED_SUFFIX, offsetFileName, parseSegmentFileName, SWAP_SUFFIX } from '../util/file-names.js';

export interface LoadOptions {
  io: FileIO;
  dir: string;
  config: LogConfig;
  now: number;
  /** Offset up to which the log was known to be flushed (recovery-point checkpoint). */
  recoveryPoint: number;
  /** A clean-shutdown marker was found: skip recovery. */
  hadCleanShutdown: boolean;
  /** Log start offset from the checkpoint; the base of the first segment if the log is empty. */
  logStartOffset: number;
}

/** One recovered segment's report, for logs and tests. */
export interface RecoveredSegment {
  baseOffset: number;
  truncatedBytes: number;
  reason?: string;
  /** A control batch (transaction marker) survived in it: its transaction index must be rebuilt from the batches. */
  hasControlBatches: boolean;
}

export interface LoadResult {
  segments: LogSegment[];
  /**
   * Segments that went through recovery (CRC check + index rebuild), in order. The log rebuilds
   * their transaction indexes while it replays producer state.
   */
  recovered: RecoveredSegment[];
  /** Segments deleted because an earlier one was truncated during recovery. */
  deletedAfterCorruption: number[];
  /** (epoch, first offset) transitions seen in recovered batches, for the leader-epoch cache. */
  epochStarts: Array<[number, number]>;
  /** Swap files completed (a cleaner swap interrupted by a crash). */
  completedSwaps: number[];
}

/**
 * Kafka's LogLoader: brings a partition directory into a consistent state and opens its segments.
 * 1. deletes leftovers (`.deleted` files, the cleaner's `.cleaned` output) and completes interrupted
 *    swaps (`.swap` files replace the segments their offsets cover);
 * 2. opens every segment (indexes load lazily; a segment missing an index file, or whose transaction
 *    index is corrupt, is recovered);
 * 3. after an unclean shutdown, recovers every segment from the one holding the recovery point on:
 *    each batch's header and CRC are checked, indexes are rebuilt, the first bad batch and everything
 *    after it are cut off, and later segments are deleted.
 */
export async function loadSegments(opts: LoadOptions): Promise<LoadResult> {
  const { io, dir } = opts;
  await io.mkdir(dir);
  const names = await io.readdir(dir);
  const live = new Map<number, Set<string>>();
  const swaps: number[] = [];
  const swapTxnIndexes = new Set<number>();
  for (const name of names) {
    const parsed = parseSegmentFileName(name);
    if (!parsed) continue;
    if (parsed.state === DELETED_SUFFIX || parsed.state === CLEANED_SUFFIX) {
      await io.unlink(join(dir, name));
    } else if (parsed.state === SWAP_SUFFIX) {
      if (parsed.kind === 'log') swaps.push(parsed.baseOffset);
      if (parsed.kind === 'txnindex') swapTxnIndexes.add(parsed.baseOffset);
    } else {
      const kinds = live.get(parsed.baseOffset) ?? new Set<string>();
      kinds.add(parsed.kind);
      live.set(parsed.baseOffset, kinds);
    }
  }

  const segOpts = (baseOffset: number, suffix: string, txnIndexExists: boolean) => ({
    io,
    dir,
    baseOffset,
    maxIndexSize: opts.config.segmentIndexBytes,
    suffix,
    now: opts.now,
    txnIndexExists,
  });

  // Open live segments (each needs its .log; index files alone are stray and removed).
  const segments: LogSegment[] = [];
  const needsRecovery = new Set<LogSegment>();
  for (const base of [...live.keys()].sort((a, b) => a - b)) {
    const kinds = live.get(base)!;
    if (!kinds.has('log')) {
      for (const k of kinds) await io.unlink(join(dir, `${offsetFileName(base)}.${k}`));
      continue;
    }
    const seg = await LogSegment.open(segOpts(base, '', kinds.has('txnindex')));
    seg.indexIntervalForRebuild = opts.config.indexIntervalBytes;
    segments.push(seg);
    if (!kinds.has('index') || !kinds.has('timeindex') || seg.txnIndexNeedsRebuild) needsRecovery.add(seg);
  }

  // Complete swaps: the swap segment replaces every live segment its offsets overlap.
  const completedSwaps: number[] = [];
  for (const base of swaps.sort((a, b) => a - b)) {
    const swap = await LogSegment.open(segOpts(base, SWAP_SUFFIX, swapTxnIndexes.has(base)));
    swap.indexIntervalForRebuild = opts.config.indexIntervalBytes;
    // A swap was flushed before its rename, but it is rare and recovery is the cheapest full check.
    await swap.recover(opts.config.indexIntervalBytes);
    const end = await swap.readNextOffset();
    const replaced = segments.filter((s) => s.baseOffset >= base && s.baseOffset < Math.max(end, base + 1));
    for (const old of replaced) {
      await old.deleteFiles();
      segments.splice(segments.indexOf(old), 1);
      needsRecovery.delete(old);
    }
    await swap.changeFileSuffix('');
    if (swap.txnIndexNeedsRebuild) needsRecovery.add(swap);
    segments.push(swap);
    segments.sort((a, b) => a.baseOffset - b.baseOffset);
    completedSwaps.push(base);
  }
  if (completedSwaps.length > 0) await io.syncDir(dir);

  const recovered: RecoveredSegment[] = [];
  const deletedAfterCorruption: number[] = [];
  const epochStarts: Array<[number, number]> = [];
  let lastEpoch = -1;
  const onBatch = (epoch: number, baseOffset: number) => {
    if (epoch >= 0 && epoch > lastEpoch) {
      epochStarts.push([epoch, baseOffset]);
      lastEpoch = epoch;
    }
  };

  // Which segments to recover: those missing an index, plus (unclean shutdown) every segment from
  // the one holding the recovery point to the end.
  let firstUnflushed = segments.length;
  if (!opts.hadCleanShutdown) {
    firstUnflushed = 0;
    for (let i = 0; i < segments.length; i++) {
      if (segments[i]!.baseOffset <= opts.recoveryPoint) firstUnflushed = i;
    }
  }
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (i < firstUnflushed && !needsRecovery.has(seg)) continue;
    let hasControlBatches = false;
    const result = await seg.recover(opts.config.indexIntervalBytes, (v) => {
      onBatch(v.partitionLeaderEpoch, v.baseOffsetNum);
      if (v.isControl) hasControlBatches = true;
    });
    recovered.push({ baseOffset: seg.baseOffset, ...result, hasControlBatches });
    if (result.truncatedBytes > 0 && i >= firstUnflushed) {
      // Kafka: once a segment past the recovery point had to be cut, nothing after it can be trusted.
      for (const later of segments.splice(i + 1)) {
        deletedAfterCorruption.push(later.baseOffset);
        await later.deleteFiles();
      }
      break;
    }
  }
  return { segments, recovered, deletedAfterCorruption, epochStarts, completedSwaps };
}
