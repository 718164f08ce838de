import { ApiKey, type DeleteRecordsResponse } from '@tributary/protocol';
import { deleteRecords } from '../controller/log-admin.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/**
 * DeleteRecords (key 21): per partition, moves the log start offset up to the given offset (-1:
 * the high watermark) and returns the new low watermark; OFFSET_OUT_OF_RANGE beyond the high
 * watermark. On one node there are no followers to wait for, so the timeout is ignored.
 */
export const deleteRecordsHandler = defineHandler({
  apiKey: ApiKey.DeleteRecords,
  versions: advertisedVersions(ApiKey.DeleteRecords),
  async handle(ctx, request): Promise<DeleteRecordsResponse> {
    const logs = ctx.services.logManager;
    const topics = await Promise.all(
      request.topics.map(async (t) => ({
        name: t.name,
        partitions: await Promise.all(
          t.partitions.map(async (p) => {
            const r = await deleteRecords(logs, t.name, p.partitionIndex, p.offset);
            if (r.message) ctx.log.debug({ topic: t.name, partition: p.partitionIndex, errorCode: r.errorCode }, r.message);
            return { partitionIndex: p.partitionIndex, lowWatermark: r.lowWatermark, errorCode: r.errorCode };
          }),
        ),
      })),
    );
    return { throttleTimeMs: 0, topics };
  },
});
