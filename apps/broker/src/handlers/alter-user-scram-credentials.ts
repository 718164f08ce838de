import { ApiKey } from '@tributary/protocol';
import { alterUserScramCredentials } from '../security/scram-credential-admin.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/**
 * AlterUserScramCredentials (key 51): creates, replaces and deletes users' SCRAM credentials from
 * salted passwords (the password itself never reaches the broker), persisted in the metadata store
 * before the answer. Without an authorizer every client may do it, as in Kafka without one.
 */
export const alterUserScramCredentialsHandler = defineHandler({
  apiKey: ApiKey.AlterUserScramCredentials,
  versions: advertisedVersions(ApiKey.AlterUserScramCredentials),
  handle(ctx, request) {
    return alterUserScramCredentials(ctx.services.metadata, request);
  },
});
