import { join } from 'node:path';

/** Kafka's on-disk names: segment files are named by their 20-digit zero-padded base offset. */
export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
/** Aborted-transaction index; only segments holding an ABORT marker have one. */
export const TXN_INDEX_SUFFIX = '.txnindex';
/** Appended to a segment's files while they wait for asynchronous deletion. */
export const DELETED_SUFFIX = '.deleted';
/** A segment being written by the cleaner; discarded if found on open. */
export const CLEANED_SUFFIX = '.cleaned';
/** A finished cleaned segment about to replace older ones; completed if found on open. */
export const SWAP_SUFFIX = '.swap';
/** Suffix of a partition directory renamed for asynchronous deletion: `<topic>-<p>.<uuid>-delete`. */
export const DELETE_DIR_SUFFIX = '-delete';

export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';

export function offsetFileName(offset: number): string {
  return String(offset).padStart(20, '0');
}

export function segmentFilePath(dir: string, baseOffset: number, suffix: string, extra = ''): string {
  return join(dir, offsetFileName(baseOffset) + suffix + extra);
}

const SEGMENT_FILE = /^(\d{20})\.(log|index|timeindex|txnindex)((?:\.deleted|\.cleaned|\.swap)?)$/;

export interface ParsedSegmentFile {
  baseOffset: number;
  kind: 'log' | 'index' | 'timeindex' | 'txnindex';
  /** '', '.deleted', '.cleaned' or '.swap'. */
  state: string;
}

/** Parses a segment file name; undefined for any other file. */
export function parseSegmentFileName(name: string): ParsedSegmentFile | undefined {
  const m = SEGMENT_FILE.exec(name);
  if (!m) return undefined;
  return { baseOffset: Number(m[1]), kind: m[2] as ParsedSegmentFile['kind'], state: m[3]! };
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export function partitionDirName(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

/** `topic:partition`, the key checkpoint maps use. */
export function tpKey(tp: TopicPartition): string {
  return `${tp.topic}:${tp.partition}`;
}

/**
 * Parses `<topic>-<partition>` (topics may contain '-', so the partition is after the last one).
 * Undefined for directories that are not partitions, including ones renamed for deletion.
 */
export function parsePartitionDirName(name: string): TopicPartition | undefined {
  // Kafka renames a directory to `<topic>-<p>.<uuid>-delete` (or `-future`) for background work;
  // those end in a non-numeric tail and are rejected by the digit check below.
  const dash = name.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const tail = name.slice(dash + 1);
  if (!/^\d{1,10}$/.test(tail)) return undefined;
  const partition = Number(tail);
  if (partition > 0x7fffffff) return undefined;
  return { topic: name.slice(0, dash), partition };
}
