import { ApiKey, ErrorCode, type IncrementalAlterConfigsResponse } from '@tributary/protocol';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/**
 * IncrementalAlterConfigs (key 44): SET, DELETE, APPEND and SUBTRACT (list keys such as
 * cleanup.policy) on the current dynamic overrides of a topic or broker resource, then the same
 * validation and live application as AlterConfigs.
 */
export const incrementalAlterConfigsHandler = defineHandler({
  apiKey: ApiKey.IncrementalAlterConfigs,
  versions: advertisedVersions(ApiKey.IncrementalAlterConfigs),
  async handle(ctx, request): Promise<IncrementalAlterConfigsResponse> {
    const { configs } = ctx.services;
    const outcomes = await configs.forEachResource(request.resources, (r) => configs.incrementalAlter(r, request.validateOnly));
    return {
      throttleTimeMs: 0,
      responses: outcomes.map(({ resource, error }) => {
        if (error?.code === 'UNKNOWN_SERVER_ERROR') ctx.log.error({ err: error.cause, resource }, 'incremental alter configs failed');
        return {
          resourceType: resource.resourceType,
          resourceName: resource.resourceName,
          errorCode: error ? error.errorCode : ErrorCode.NONE,
          errorMessage: error ? error.message : null,
        };
      }),
    };
  },
});
