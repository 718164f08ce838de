import { ApiKey, ErrorCode, type SaslAuthenticateResponse } from '@tributary/protocol';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/**
 * SaslAuthenticate (key 36) as a request handler: ILLEGAL_SASL_STATE with Kafka's message, since
 * the tokens of an exchange in progress go to the connection's authenticator and never get here.
 */
export const saslAuthenticateHandler = defineHandler({
  apiKey: ApiKey.SaslAuthenticate,
  versions: advertisedVersions(ApiKey.SaslAuthenticate),
  handle(): SaslAuthenticateResponse {
    return {
      errorCode: ErrorCode.ILLEGAL_SASL_STATE,
      errorMessage: 'SaslAuthenticate request received after successful authentication',
      authBytes: Buffer.alloc(0),
      sessionLifetimeMs: 0n,
    };
  },
});
