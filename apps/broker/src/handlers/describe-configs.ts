import { ApiKey, ErrorCode, type DescribeConfigsResponse } from '@tributary/protocol';
import { toAdminError } from '../controller/admin-error.js';
import { ConfigSourceId } from '../config/topic-config-info.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

type Result = DescribeConfigsResponse['results'][number];

/**
 * DescribeConfigs (key 32): topic resources (type 2) and broker resources (type 4: this node's id,
 * or '' for the dynamic cluster defaults), each config with value, read-only flag, source (v1+;
 * v0's is_default), sensitivity, synonyms when asked (v1+), type and documentation (v3+), filtered
 * by configuration_keys. A bad resource fails alone: UNKNOWN_TOPIC_OR_PARTITION, INVALID_REQUEST…
 */
export const describeConfigsHandler = defineHandler({
  apiKey: ApiKey.DescribeConfigs,
  versions: advertisedVersions(ApiKey.DescribeConfigs),
  async handle(ctx, request): Promise<DescribeConfigsResponse> {
    const options = {
      includeSynonyms: ctx.apiVersion >= 1 && request.includeSynonyms,
      includeDocumentation: ctx.apiVersion >= 3 && request.includeDocumentation,
    };
    const results: Result[] = [];
    for (const resource of request.resources) {
      const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
      try {
        const configs = await ctx.services.configs.describe(resource, options);
        results.push({
          ...base,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          configs: configs.map((c) => ({
            name: c.name,
            value: c.value,
            readOnly: c.readOnly,
            // v0 has is_default instead of config_source (and refuses anything but false after it).
            isDefault: ctx.apiVersion === 0 && c.source === ConfigSourceId.DEFAULT_CONFIG,
            configSource: c.source,
            isSensitive: c.isSensitive,
            synonyms: c.synonyms.map((s) => ({ name: s.name, value: s.value, source: s.source })),
            configType: c.configType,
            documentation: c.documentation,
          })),
        });
      } catch (err) {
        const e = toAdminError(err);
        if (e.code === 'UNKNOWN_SERVER_ERROR') ctx.log.error({ err, resource: base }, 'describe configs failed');
        results.push({ ...base, errorCode: e.errorCode, errorMessage: e.message, configs: [] });
      }
    }
    return { throttleTimeMs: 0, results };
  },
});
