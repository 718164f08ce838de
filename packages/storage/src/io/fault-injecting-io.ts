import { nodeFileIO, type FileIO } from './file-io.js';

export type FileOp = keyof FileIO;

/** One failure to inject: which operations, on which files, how often, with which errno. */
export interface FaultRule {
  ops: FileOp[];
  /** errno code of the thrown error; default EIO. */
  code?: string;
  /** Only calls on a path containing this string (for fd operations: the path the fd was opened with). */
  pathIncludes?: string;
  /** Let this many matching calls succeed first. */
  skip?: number;
  /** Fail this many matching calls (default: every one from then on). */
  times?: number;
  /** For write: write this many bytes of the buffer before failing, as a disk filling up mid-write does. */
  partialBytes?: number;
}

interface ActiveRule extends FaultRule {
  seen: number;
  failed: number;
}

/**
 * A FileIO that passes every call to a real one (the real disk by default) except those a test has
 * told it to fail. Used to check that ENOSPC/EIO take a log offline without leaving a partial batch.
 */
export class FaultInjectingFileIO implements FileIO {
  private readonly fdPaths = new Map<number, string>();
  private rules: ActiveRule[] = [];
  /** Errors thrown so far, newest last. */
  readonly injected: Array<{ op: FileOp; path: string; code: string }> = [];

  constructor(private readonly inner: FileIO = nodeFileIO) {}

  inject(rule: FaultRule): void {
    this.rules.push({ ...rule, seen: 0, failed: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  /** Returns the rule that fails this call, if any, counting the call against each matching rule. */
  private match(op: FileOp, path: string): ActiveRule | undefined {
    for (const rule of this.rules) {
      if (!rule.ops.includes(op)) continue;
      if (rule.pathIncludes !== undefined && !path.includes(rule.pathIncludes)) continue;
      rule.seen++;
      if (rule.seen <= (rule.skip ?? 0)) continue;
      if (rule.times !== undefined && rule.failed >= rule.times) continue;
      rule.failed++;
      return rule;
    }
    return undefined;
  }

  private fail(op: FileOp, path: string, rule: ActiveRule): never {
    const code = rule.code ?? 'EIO';
    this.injected.push({ op, path, code });
    throw Object.assign(new Error(`${code}: injected failure, ${op} '${path}'`), { code, syscall: op, path });
  }

  private check(op: FileOp, path: string): void {
    const rule = this.match(op, path);
    if (rule) this.fail(op, path, rule);
  }

  private pathOf(fd: number): string {
    return this.fdPaths.get(fd) ?? `<fd ${fd}>`;
  }

  async open(path: string, create: boolean): Promise<number> {
    this.check('open', path);
    const fd = await this.inner.open(path, create);
    this.fdPaths.set(fd, path);
    return fd;
  }
  async close(fd: number): Promise<void> {
    const path = this.pathOf(fd);
    this.fdPaths.delete(fd);
    await this.inner.close(fd);
    this.check('close', path);
  }
  async size(fd: number): Promise<number> {
    this.check('size', this.pathOf(fd));
    return this.inner.size(fd);
  }
  async read(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number> {
    this.check('read', this.pathOf(fd));
    return this.inner.read(fd, buf, offset, length, position);
  }
  async write(fd: number, buf: Buffer, position: number): Promise<void> {
    const path = this.pathOf(fd);
    const rule = this.match('write', path);
    if (rule) {
      const partial = Math.min(rule.partialBytes ?? 0, buf.length);
      if (partial > 0) await this.inner.write(fd, buf.subarray(0, partial), position);
      this.fail('write', path, rule);
    }
    return this.inner.write(fd, buf, position);
  }
  writeSync(fd: number, buf: Buffer, position: number): void {
    const path = this.pathOf(fd);
    // A synchronous write is a 'write' as far as rules are concerned.
    const rule = this.match('write', path);
    if (rule) {
      const partial = Math.min(rule.partialBytes ?? 0, buf.length);
      if (partial > 0) this.syncWrite(fd, buf.subarray(0, partial), position);
      this.fail('write', path, rule);
    }
    this.syncWrite(fd, buf, position);
  }
  private syncWrite(fd: number, buf: Buffer, position: number): void {
    if (!this.inner.writeSync) throw new Error('the wrapped FileIO has no writeSync');
    this.inner.writeSync(fd, buf, position);
  }
  async truncate(fd: number, length: number): Promise<void> {
    this.check('truncate', this.pathOf(fd));
    return this.inner.truncate(fd, length);
  }
  async sync(fd: number): Promise<void> {
    this.check('sync', this.pathOf(fd));
    return this.inner.sync(fd);
  }
  async syncDir(path: string): Promise<void> {
    this.check('syncDir', path);
    return this.inner.syncDir(path);
  }
  async rename(from: string, to: string): Promise<void> {
    this.check('rename', from);
    return this.inner.rename(from, to);
  }
  async unlink(path: string): Promise<void> {
    this.check('unlink', path);
    return this.inner.unlink(path);
  }
  async exists(path: string): Promise<boolean> {
    this.check('exists', path);
    return this.inner.exists(path);
  }
  async mtimeMs(path: string): Promise<number> {
    this.check('mtimeMs', path);
    return this.inner.mtimeMs(path);
  }
  async readdir(path: string): Promise<string[]> {
    this.check('readdir', path);
    return this.inner.readdir(path);
  }
  async mkdir(path: string): Promise<void> {
    this.check('mkdir', path);
    return this.inner.mkdir(path);
  }
  async removeTree(path: string): Promise<void> {
    this.check('removeTree', path);
    return this.inner.removeTree(path);
  }
  async readFile(path: string): Promise<Buffer> {
    this.check('readFile', path);
    return this.inner.readFile(path);
  }
  async writeFile(path: string, data: Buffer | string): Promise<void> {
    this.check('writeFile', path);
    return this.inner.writeFile(path, data);
  }
}
