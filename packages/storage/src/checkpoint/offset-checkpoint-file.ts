import { nodeFileIO, type FileIO } from '../io/file-io.js';
import { CheckpointError } from './checkpoint-error.js';
import { parseIntegerField, readCheckpointEntries, writeCheckpointEntries } from './checkpoint-file.js';

/**
 * Kafka's per-log-dir offset checkpoints (`recovery-point-offset-checkpoint`,
 * `log-start-offset-checkpoint`, `replication-offset-checkpoint`, `cleaner-offset-checkpoint`):
 * one `topic partition offset` line per partition. In memory they are a map keyed `topic:partition`
 * (topic names cannot contain ':').
 */

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const REPLICATION_OFFSET_CHECKPOINT = 'replication-offset-checkpoint';
export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';

const INT32_MAX = 0x7fffffff;

export function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** Splits a `topic:partition` key; undefined when it is not one. */
export function parsePartitionKey(key: string): { topic: string; partition: number } | undefined {
  const at = key.lastIndexOf(':');
  if (at <= 0) return undefined;
  const topic = key.slice(0, at);
  const partText = key.slice(at + 1);
  if (!/^\d+$/.test(partText) || /\s/.test(topic)) return undefined;
  const partition = Number(partText);
  return partition <= INT32_MAX ? { topic, partition } : undefined;
}

/**
 * Reads an offset checkpoint. A missing file gives an empty map; a malformed one a CheckpointError
 * naming the file and line. A partition listed twice keeps its last offset, as Kafka's map does.
 */
export async function readOffsetCheckpoint(path: string, io: FileIO = nodeFileIO): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  for (const { fields, line } of await readCheckpointEntries(path, io)) {
    if (fields.length !== 3) throw new CheckpointError(path, line, `expected "topic partition offset", got ${fields.length} fields`);
    const [topic, partText, offsetText] = fields as [string, string, string];
    const partition = parseIntegerField(partText, path, line, 'partition', 0, INT32_MAX);
    const offset = parseIntegerField(offsetText, path, line, 'offset', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    result.set(partitionKey(topic, partition), offset);
  }
  return result;
}

/** Writes an offset checkpoint atomically (tmp file, fsync, rename, fsync of the directory). */
export function writeOffsetCheckpoint(
  path: string,
  entries: ReadonlyMap<string, number> | Iterable<readonly [string, number]>,
  io: FileIO = nodeFileIO,
): Promise<void> {
  const lines: string[] = [];
  for (const [key, offset] of entries) {
    const tp = parsePartitionKey(key);
    if (tp === undefined) return Promise.reject(new CheckpointError(path, undefined, `cannot write entry with key ${JSON.stringify(key)}: expected "topic:partition"`));
    if (!Number.isSafeInteger(offset)) return Promise.reject(new CheckpointError(path, undefined, `cannot write offset ${offset} for ${key}`));
    lines.push(`${tp.topic} ${tp.partition} ${offset}`);
  }
  return writeCheckpointEntries(path, lines, io);
}
