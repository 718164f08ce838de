import { dirname, resolve } from 'node:path';
import { storageFailure } from '../errors.js';
import { nodeFileIO, type FileIO } from '../io/file-io.js';

/**
 * Writes go to `<path>.tmp` and are serialised per path: two overlapping writes of the same file
 * would otherwise share the tmp file and could rename a mix of both into place.
 */
const pending = new Map<string, Promise<void>>();

/**
 * Replaces a small file atomically and durably, as Kafka's checkpoint files are written: write
 * `<path>.tmp`, fsync it, rename it over `path`, fsync the directory. A crash leaves either the old
 * or the new content under `path`, never a torn mix (at worst a stale `.tmp` beside it, which the
 * next write overwrites). Failures surface as StorageError KAFKA_STORAGE_ERROR.
 */
export function atomicWriteFile(path: string, data: Buffer | string, io: FileIO = nodeFileIO): Promise<void> {
  const key = resolve(path);
  const previous = pending.get(key) ?? Promise.resolve();
  // A failed earlier write must not block later ones; its caller already got the error.
  const next = previous.catch(() => undefined).then(() => writeOnce(key, typeof data === 'string' ? Buffer.from(data, 'utf8') : data, io));
  pending.set(key, next);
  const forget = (): void => {
    if (pending.get(key) === next) pending.delete(key);
  };
  next.then(forget, forget);
  return next;
}

async function writeOnce(path: string, data: Buffer, io: FileIO): Promise<void> {
  const tmp = `${path}.tmp`;
  try {
    const fd = await io.open(tmp, true);
    try {
      // The tmp file may be left over from a crash and longer than the new content.
      await io.truncate(fd, 0);
      await io.write(fd, data, 0);
      await io.sync(fd);
    } finally {
      await io.close(fd);
    }
    await io.rename(tmp, path);
    if (process.platform !== 'win32') await io.syncDir(dirname(path));
  } catch (err) {
    throw storageFailure(`writing ${path}`, err);
  }
}
