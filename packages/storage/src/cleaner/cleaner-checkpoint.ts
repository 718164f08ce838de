import { dirname, join } from 'node:path';
import { nodeFileIO, type FileIO } from '../io/file-io.js';
import { CLEANER_OFFSET_CHECKPOINT, partitionKey, readOffsetCheckpoint, writeOffsetCheckpoint } from '../checkpoint/offset-checkpoint-file.js';
import type { CleanableLog } from './cleanable-log.js';

/**
 * `cleaner-offset-checkpoint` in each log dir: per partition, the offset up to which the log has
 * been cleaned (the start of its dirty section), as Kafka's LogCleanerManager keeps it. Updates are
 * read-modify-write of the whole file, serialised per log dir.
 */
export class CleanerCheckpoints {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly io: FileIO = nodeFileIO) {}

  static pathFor(log: CleanableLog): string {
    return join(dirname(log.dir), CLEANER_OFFSET_CHECKPOINT);
  }

  /** The checkpointed offset of a log, undefined when it was never cleaned. */
  async get(log: CleanableLog): Promise<number | undefined> {
    const all = await this.serialised(CleanerCheckpoints.pathFor(log), () => readOffsetCheckpoint(CleanerCheckpoints.pathFor(log), this.io));
    return all.get(partitionKey(log.topicPartition.topic, log.topicPartition.partition));
  }

  async set(log: CleanableLog, offset: number): Promise<void> {
    await this.modify(log, (m, key) => m.set(key, offset));
  }

  /** Kafka's maybeTruncateCheckpoint: after the log is truncated below the checkpoint, clean again from there. */
  async truncateTo(log: CleanableLog, offset: number): Promise<void> {
    await this.modify(log, (m, key) => {
      const cur = m.get(key);
      if (cur !== undefined && cur > offset) m.set(key, offset);
    });
  }

  /** Forgets a partition (its log was deleted). */
  async remove(log: CleanableLog): Promise<void> {
    await this.modify(log, (m, key) => m.delete(key));
  }

  private modify(log: CleanableLog, change: (m: Map<string, number>, key: string) => void): Promise<void> {
    const path = CleanerCheckpoints.pathFor(log);
    return this.serialised(path, async () => {
      const m = await readOffsetCheckpoint(path, this.io);
      const before = JSON.stringify([...m]);
      change(m, partitionKey(log.topicPartition.topic, log.topicPartition.partition));
      if (JSON.stringify([...m]) !== before) await writeOffsetCheckpoint(path, m, this.io);
    });
  }

  private serialised<T>(path: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(path) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    this.queues.set(path, next);
    const forget = (): void => {
      if (this.queues.get(path) === next) this.queues.delete(path);
    };
    next.then(forget, forget);
    return next;
  }
}
