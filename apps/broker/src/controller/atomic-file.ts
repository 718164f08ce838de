import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Replaces a small file atomically and durably: write `<path>.tmp`, fsync it, rename it over
 * `path`, fsync the directory so the rename itself survives a crash. A crash leaves the old or the
 * new content, never a mix. Callers serialise writes to one path. `mode` is the new file's
 * permissions (set explicitly, so a leftover .tmp from a crash cannot keep wider ones).
 */
export async function writeFileAtomically(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.chmod(mode);
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await syncDirectory(dirname(path));
}

async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return; // directories cannot be opened for fsync there
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
