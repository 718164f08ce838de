import type { LogConfig } from '../config/log-config.js';
import type { AbortedTxn } from '../index/transaction-index.js';
import type { LastRecord } from '../producer-state/producer-state-manager.js';
import type { LogSegment } from '../segment/log-segment.js';

/**
 * What the cleaner needs from a partition log (the partition `Log` provides it). Kept as
 * an interface so the cleaner depends on this surface only.
 */
export interface CleanableLog {
  /** Partition directory; its parent is the log dir holding `cleaner-offset-checkpoint`. */
  readonly dir: string;
  readonly topicPartition: { readonly topic: string; readonly partition: number };
  readonly config: LogConfig;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly isOffline?: boolean;
  readonly isClosed?: boolean;
  /**
   * The last stable offset (min of the first unstable offset and the high watermark): nothing at or
   * past it is cleaned, as in Kafka. When the log does not expose it, the producer state's first
   * unstable offset (or the log end) bounds cleaning instead.
   */
  readonly lastStableOffset?: number;
  /** The partition's producer state: each live producer's last batch survives cleaning. */
  readonly producerState?: {
    lastRecordsOfActiveProducers(): ReadonlyMap<number, LastRecord>;
    firstUnstableOffset(): number | undefined;
  };
  /**
   * Aborted transactions overlapping [startOffset, upperBoundOffset), from the transaction index
   * (Kafka's collectAbortedTransactions): the cleaner drops their data and carries the entries of
   * the ABORT markers it keeps into the cleaned segment.
   */
  collectAbortedTransactions(startOffset: number, upperBoundOffset: number): readonly AbortedTxn[];
  /** Live segments in base-offset order; the last is the active segment. */
  segments(): readonly LogSegment[];
  /** A new empty segment whose files carry the `.cleaned` suffix. */
  createCleanedSegment(baseOffset: number): Promise<LogSegment>;
  /**
   * Swaps `cleaned` in for `old` crash-safely (`.cleaned` → `.swap` → live names); throws when `old`
   * is no longer live (retention or truncation raced the cleaner), after deleting `cleaned`.
   */
  replaceSegments(cleaned: LogSegment, old: readonly LogSegment[]): Promise<void>;
}

/** The upper limit on what may be cleaned, ignoring the active segment and the compaction lag. */
export function stableBound(log: CleanableLog): number {
  if (log.lastStableOffset !== undefined) return log.lastStableOffset;
  const unstable = log.producerState?.firstUnstableOffset();
  return unstable === undefined ? log.logEndOffset : Math.min(unstable, log.logEndOffset);
}
