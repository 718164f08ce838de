import type { FileIO } from '../io/file-io.js';

/** An index file that fails its sanity check; the segment rebuilds it from the log. */
export class CorruptIndexError extends Error {
  override readonly name = 'CorruptIndexError';
}

/**
 * Shared mechanics of Kafka's sparse indexes (fixed-size big-endian entries, relative offsets).
 * Entries live in memory (an index is at most segment.index.bytes) and are written to an
 * append-only file on flush, so the file is always a valid Kafka index of exactly `entries` entries
 * after a flush or clean close, and never needs trimming. Entries not yet flushed are lost in a crash,
 * which a sparse index tolerates (look-ups just scan further), and recovery rebuilds indexes past the
 * recovery point anyway.
 */
export abstract class IndexFile {
  protected buf: Buffer;
  protected count = 0;
  /** Entries currently in the file on disk. */
  private persisted = 0;
  private fd: number | undefined;

  protected constructor(
    protected readonly io: FileIO,
    private filePath: string,
    readonly baseOffset: number,
    readonly maxIndexSize: number,
    readonly entrySize: number,
    initial?: Buffer,
  ) {
    if (initial) {
      this.buf = initial;
      this.count = initial.length / entrySize;
      this.persisted = this.count;
    } else {
      this.buf = Buffer.allocUnsafe(entrySize * 64);
    }
  }

  get path(): string {
    return this.filePath;
  }

  get entries(): number {
    return this.count;
  }

  get maxEntries(): number {
    return Math.floor(this.maxIndexSize / this.entrySize);
  }

  isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  /** Bytes the index occupies once flushed (the cleaner sizes segment groups with it). */
  get sizeInBytes(): number {
    return this.count * this.entrySize;
  }

  /** Reads a whole index file; a length that is not a whole number of entries is corrupt. */
  protected static async readEntries(io: FileIO, path: string, entrySize: number): Promise<Buffer> {
    const fd = await io.open(path, false);
    try {
      const size = await io.size(fd);
      if (size % entrySize !== 0) {
        throw new CorruptIndexError(`index file ${path} has length ${size}, not a multiple of ${entrySize}`);
      }
      const buf = Buffer.allocUnsafe(Math.max(size, entrySize * 64));
      let done = 0;
      while (done < size) {
        const n = await io.read(fd, buf, done, size - done, done);
        if (n === 0) throw new CorruptIndexError(`index file ${path} shrank while being read`);
        done += n;
      }
      return buf.subarray(0, size);
    } finally {
      await io.close(fd);
    }
  }

  /** Room for one more entry; returns its byte position in buf. */
  protected slotForAppend(): number {
    const at = this.count * this.entrySize;
    if (at + this.entrySize > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, at + this.entrySize));
      this.buf.copy(bigger, 0, 0, at);
      this.buf = bigger;
    }
    this.count++;
    return at;
  }

  /** Drops entries from index `n` on (in memory; the file follows on the next flush). */
  protected truncateEntries(n: number): void {
    if (n < this.count) this.count = Math.max(0, n);
  }

  /** Creates the (empty) file if it does not exist yet, so every segment has its index files. */
  async create(): Promise<void> {
    await this.openFd();
  }

  private async openFd(): Promise<number> {
    if (this.fd === undefined) this.fd = await this.io.open(this.filePath, true);
    return this.fd;
  }

  /** Makes the file hold exactly the in-memory entries; with `sync`, durably. */
  async flush(sync = true): Promise<void> {
    const fd = await this.openFd();
    let changed = false;
    if (this.persisted > this.count) {
      await this.io.truncate(fd, this.count * this.entrySize);
      this.persisted = this.count;
      changed = true;
    }
    if (this.count > this.persisted) {
      const from = this.persisted * this.entrySize;
      const to = this.count * this.entrySize;
      await this.io.write(fd, Buffer.from(this.buf.subarray(from, to)), from);
      this.persisted = this.count;
      changed = true;
    }
    if (changed && sync) await this.io.sync(fd);
  }

  /** Closes the file descriptor (it is reopened if the index is written again). */
  async closeFile(): Promise<void> {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) await this.io.close(fd);
  }

  /** Replaces the whole file with the in-memory entries (after a rebuild). */
  async rewrite(): Promise<void> {
    const fd = await this.openFd();
    await this.io.truncate(fd, 0);
    this.persisted = 0;
    await this.flush(true);
  }

  /** Follows a rename of the file done by the owner (an open fd stays valid across renames). */
  setPath(newPath: string): void {
    this.filePath = newPath;
  }

  async deleteFile(): Promise<void> {
    await this.closeFile();
    await this.io.unlink(this.filePath);
  }
}
