import { ApiKey, ErrorCode, type AlterConfigsResponse } from '@tributary/protocol';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/**
 * AlterConfigs (key 33): the configs given become the resource's whole set of dynamic overrides
 * (keys left out go back to their defaults, as in Kafka). Topic overrides apply live to every
 * partition log; broker resources ('' = cluster default, the node id = this broker) accept the
 * dynamically updatable log.* defaults and refuse read-only keys. validate_only checks only.
 */
export const alterConfigsHandler = defineHandler({
  apiKey: ApiKey.AlterConfigs,
  versions: advertisedVersions(ApiKey.AlterConfigs),
  async handle(ctx, request): Promise<AlterConfigsResponse> {
    const { configs } = ctx.services;
    const outcomes = await configs.forEachResource(request.resources, (r) => configs.alter(r, request.validateOnly));
    return {
      throttleTimeMs: 0,
      responses: outcomes.map(({ resource, error }) => {
        if (error?.code === 'UNKNOWN_SERVER_ERROR') ctx.log.error({ err: error.cause, resource }, 'alter configs failed');
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
