import { ApiKey } from '@tributary/protocol';
import { describeUserScramCredentials } from '../security/scram-credential-admin.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/**
 * DescribeUserScramCredentials (key 50): which users have SCRAM credentials, for which mechanisms
 * and iteration counts (never salts or keys). Without an authorizer every client may ask, as in
 * Kafka without one.
 */
export const describeUserScramCredentialsHandler = defineHandler({
  apiKey: ApiKey.DescribeUserScramCredentials,
  versions: advertisedVersions(ApiKey.DescribeUserScramCredentials),
  handle(ctx, request) {
    return describeUserScramCredentials(ctx.services.metadata, request);
  },
});
