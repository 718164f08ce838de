import { storageFailure } from '../errors.js';
import { nodeFileIO, type FileIO } from '../io/file-io.js';
import { atomicWriteFile } from './atomic-write.js';
import { CheckpointError } from './checkpoint-error.js';

/**
 * Kafka's text checkpoint layout, shared by the offset checkpoints and the leader-epoch checkpoint:
 *
 *   line 1: format version (0)
 *   line 2: number of entries
 *   then one entry per line, fields separated by a space
 */
export const CHECKPOINT_VERSION = 0;

const INTEGER = /^-?\d+$/;

/** Parses a decimal integer field; anything else (or beyond 2^53) is a malformed checkpoint. */
export function parseIntegerField(text: string | undefined, path: string, line: number, what: string, min: number, max: number): number {
  if (text === undefined || !INTEGER.test(text)) throw new CheckpointError(path, line, `${what} ${JSON.stringify(text ?? '')} is not an integer`);
  const v = Number(text);
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new CheckpointError(path, line, `${what} ${text} is outside ${min}..${max}`);
  return v;
}

/**
 * Reads a checkpoint file and returns its entry lines split into fields, each with its 1-based line
 * number. A missing or empty file has no entries (Kafka reads both as empty). A wrong version, a bad
 * count or a count that disagrees with the entries present is a CheckpointError.
 */
export async function readCheckpointEntries(path: string, io: FileIO = nodeFileIO): Promise<{ fields: string[]; line: number }[]> {
  let text: string;
  try {
    text = (await io.readFile(path)).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw storageFailure(`reading checkpoint ${path}`, err);
  }
  if (text.length === 0) return [];
  const lines = text.split('\n');
  // The writer ends every line with '\n', so the last split element is empty.
  if (lines[lines.length - 1] === '') lines.pop();

  const version = parseIntegerField(lines[0], path, 1, 'version', -0x80000000, 0x7fffffff);
  if (version !== CHECKPOINT_VERSION) throw new CheckpointError(path, 1, `unrecognized version ${version}`);
  if (lines.length < 2) throw new CheckpointError(path, 2, 'entry count missing');
  const count = parseIntegerField(lines[1], path, 2, 'entry count', 0, 0x7fffffff);

  const entries: { fields: string[]; line: number }[] = [];
  for (let i = 2; i < lines.length; i++) {
    // Java's split drops trailing empty fields, so trailing spaces are tolerated as in Kafka.
    const raw = lines[i]!.trimEnd();
    entries.push({ fields: raw.length === 0 ? [] : raw.split(/\s+/), line: i + 1 });
  }
  if (entries.length !== count) {
    throw new CheckpointError(path, undefined, `expected ${count} entries but found ${entries.length}`);
  }
  return entries;
}

/** Writes entry lines (already formatted) in checkpoint layout, atomically. */
export function writeCheckpointEntries(path: string, lines: readonly string[], io: FileIO = nodeFileIO): Promise<void> {
  let text = `${CHECKPOINT_VERSION}\n${lines.length}\n`;
  for (const l of lines) text += `${l}\n`;
  return atomicWriteFile(path, text, io);
}
