import { statfs } from 'node:fs/promises';
import { ErrorCode } from '@tributary/protocol';
import { isDeleteEnabled, isStorageError, type Log, type LogManager } from '@tributary/storage';

/** DeleteRecords' "up to the high watermark" offset. */
export const HIGH_WATERMARK_OFFSET = -1n;

export interface DeleteRecordsResult {
  readonly errorCode: number;
  /** The partition's new log start offset; -1 on error. */
  readonly lowWatermark: bigint;
  readonly message?: string;
}

/**
 * DeleteRecords for one partition (Kafka's ReplicaManager.deleteRecordsOnLocalLog): moves the log
 * start offset up to `offset` (-1: the high watermark) and deletes the segments wholly below it.
 * OFFSET_OUT_OF_RANGE for a negative offset or one beyond the high watermark; POLICY_VIOLATION
 * on a topic whose cleanup policy does not include delete; UNKNOWN_TOPIC_OR_PARTITION when this
 * broker has no such partition.
 */
export async function deleteRecords(logs: LogManager, topic: string, partition: number, offset: bigint): Promise<DeleteRecordsResult> {
  const log = logs.getLog(topic, partition);
  if (!log) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, lowWatermark: -1n };
  if (!isDeleteEnabled(log.config)) {
    return {
      errorCode: ErrorCode.POLICY_VIOLATION,
      lowWatermark: -1n,
      message: `Records of partition ${topic}-${partition} can not be deleted due to the configured policy`,
    };
  }
  const target = offset === HIGH_WATERMARK_OFFSET ? BigInt(log.highWatermark) : offset;
  if (target < 0n || target > BigInt(Number.MAX_SAFE_INTEGER)) {
    return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: -1n, message: `The offset ${offset} for partition ${topic}-${partition} is not valid` };
  }
  try {
    return { errorCode: ErrorCode.NONE, lowWatermark: BigInt(await log.deleteRecordsBefore(Number(target))) };
  } catch (err) {
    if (isStorageError(err)) return { errorCode: err.errorCode, lowWatermark: -1n, message: err.message };
    throw err;
  }
}

export interface LogDirPartition {
  readonly partition: number;
  /** Bytes of the partition's segment files. */
  readonly size: number;
}

export interface LogDirDescription {
  readonly path: string;
  /** KAFKA_STORAGE_ERROR when the dir failed (then no topics are listed). */
  readonly errorCode: number;
  readonly topics: ReadonlyArray<{ readonly name: string; readonly partitions: readonly LogDirPartition[] }>;
  /** Size of the volume holding the dir, and the bytes a non-root writer can still use; -1 if unknown. */
  readonly totalBytes: number;
  readonly usableBytes: number;
}

/**
 * DescribeLogDirs (Kafka's ReplicaManager.describeLogDirs): every log dir with the partitions it
 * holds — all of them, or only those asked for — their sizes, and the volume's total and usable
 * bytes from statfs.
 */
export async function describeLogDirs(
  logs: LogManager,
  wanted: ReadonlyArray<{ readonly topic: string; readonly partitions: readonly number[] }> | null,
): Promise<LogDirDescription[]> {
  const asked = wanted === null ? null : new Set(wanted.flatMap((t) => t.partitions.map((p) => `${t.topic}\u0000${p}`)));
  const offline = new Set(logs.offlineLogDirs);
  const byDir = new Map<string, Log[]>();
  for (const log of logs.allLogs()) {
    const { topic, partition } = log.topicPartition;
    if (asked && !asked.has(`${topic}\u0000${partition}`)) continue;
    const dir = logs.dirOf(topic, partition);
    if (dir === undefined) continue;
    const list = byDir.get(dir) ?? [];
    list.push(log);
    byDir.set(dir, list);
  }
  return Promise.all(
    logs.logDirs.map(async (path): Promise<LogDirDescription> => {
      const { totalBytes, usableBytes } = await volumeBytes(path);
      if (offline.has(path)) return { path, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, topics: [], totalBytes, usableBytes };
      const topics = new Map<string, LogDirPartition[]>();
      for (const log of byDir.get(path) ?? []) {
        const list = topics.get(log.topicPartition.topic) ?? [];
        list.push({ partition: log.topicPartition.partition, size: log.size });
        topics.set(log.topicPartition.topic, list);
      }
      return {
        path,
        errorCode: ErrorCode.NONE,
        topics: [...topics].map(([name, partitions]) => ({ name, partitions: partitions.sort((a, b) => a.partition - b.partition) })),
        totalBytes,
        usableBytes,
      };
    }),
  );
}

async function volumeBytes(path: string): Promise<{ totalBytes: number; usableBytes: number }> {
  try {
    const s = await statfs(path);
    return { totalBytes: s.blocks * s.bsize, usableBytes: s.bavail * s.bsize };
  } catch {
    return { totalBytes: -1, usableBytes: -1 };
  }
}
