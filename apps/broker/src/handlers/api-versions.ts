import { ApiKey, ErrorCode, type ApiVersionsResponse } from '@tributary/protocol';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/**
 * Kafka's rule for ClientSoftwareName / ClientSoftwareVersion (ApiVersions v3+): letters and
 * digits, with '-' and '.' allowed inside. A request breaking it gets INVALID_REQUEST.
 */
const SOFTWARE_FIELD = /^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?$/;

/**
 * ApiVersions (key 18): the API keys and version ranges this broker serves. Answered before any
 * authentication. An unsupported version never reaches this handler: the dispatcher answers it
 * with the v0-format UNSUPPORTED_VERSION response clients fall back on.
 */
export const apiVersionsHandler = defineHandler({
  apiKey: ApiKey.ApiVersions,
  versions: advertisedVersions(ApiKey.ApiVersions),
  handle(ctx, request): ApiVersionsResponse {
    const response: ApiVersionsResponse = {
      errorCode: ErrorCode.NONE,
      apiKeys: ctx.apis.advertised().map((a) => ({ ...a })),
      throttleTimeMs: 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1n,
      finalizedFeatures: [],
      zkMigrationReady: false,
    };
    if (
      ctx.apiVersion >= 3 &&
      !(SOFTWARE_FIELD.test(request.clientSoftwareName) && SOFTWARE_FIELD.test(request.clientSoftwareVersion))
    ) {
      ctx.log.debug({ name: request.clientSoftwareName, version: request.clientSoftwareVersion }, 'invalid client software name or version');
      return { ...response, errorCode: ErrorCode.INVALID_REQUEST, apiKeys: [] };
    }
    return response;
  },
});
