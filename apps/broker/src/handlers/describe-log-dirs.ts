import { ApiKey, ErrorCode, type DescribeLogDirsResponse } from '@tributary/protocol';
import { describeLogDirs } from '../controller/log-admin.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/**
 * DescribeLogDirs (key 35): every log dir with the partitions it holds (all, or those asked for),
 * their sizes, offset lag 0 (a leader is never behind itself) and is_future false (no replica
 * moves between dirs); v4 adds the volume's total and usable bytes.
 */
export const describeLogDirsHandler = defineHandler({
  apiKey: ApiKey.DescribeLogDirs,
  versions: advertisedVersions(ApiKey.DescribeLogDirs),
  async handle(ctx, request): Promise<DescribeLogDirsResponse> {
    const dirs = await describeLogDirs(ctx.services.logManager, request.topics);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: dirs.map((d) => ({
        errorCode: d.errorCode,
        logDir: d.path,
        topics: d.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, partitionSize: BigInt(p.size), offsetLag: 0n, isFutureKey: false })),
        })),
        totalBytes: BigInt(d.totalBytes),
        usableBytes: BigInt(d.usableBytes),
      })),
    };
  },
});
