import { ApiKey, ErrorCode, type CreatePartitionsResponse } from '@tributary/protocol';
import { toAdminError } from '../controller/admin-error.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/**
 * CreatePartitions (key 37): raises each topic's partition count (INVALID_PARTITIONS unless it
 * grows), creating the new partitions' logs; explicit assignments must name only this node;
 * validateOnly checks without changing anything. A topic named twice fails both times (Kafka's
 * "Duplicate topic in request.").
 */
export const createPartitionsHandler = defineHandler({
  apiKey: ApiKey.CreatePartitions,
  versions: advertisedVersions(ApiKey.CreatePartitions),
  async handle(ctx, request): Promise<CreatePartitionsResponse> {
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results = await Promise.all(
      request.topics.map(async (t) => {
        if (counts.get(t.name)! > 1) return { name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic in request.' };
        try {
          const assignments = t.assignments ? t.assignments.map((a) => a.brokerIds) : null;
          await ctx.services.topics.createPartitions(t.name, t.count, assignments, { validateOnly: request.validateOnly });
          return { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null };
        } catch (err) {
          const e = toAdminError(err);
          if (e.code === 'UNKNOWN_SERVER_ERROR') ctx.log.error({ err, topic: t.name }, 'create partitions failed');
          return { name: t.name, errorCode: e.errorCode, errorMessage: e.message };
        }
      }),
    );
    return { throttleTimeMs: 0, results };
  },
});
