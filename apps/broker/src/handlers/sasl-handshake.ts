import { ApiKey, ErrorCode, type SaslHandshakeResponse } from '@tributary/protocol';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/**
 * SaslHandshake (key 17) as a request handler: what Kafka's KafkaApis answers, ILLEGAL_SASL_STATE,
 * because a handshake only reaches the handlers on a connection that needs none (PLAINTEXT, SSL)
 * or has already authenticated without re-authentication. The handshake that starts SASL is
 * handled by the connection's authenticator (security/sasl-authenticator.ts) before any handler.
 */
export const saslHandshakeHandler = defineHandler({
  apiKey: ApiKey.SaslHandshake,
  versions: advertisedVersions(ApiKey.SaslHandshake),
  handle(): SaslHandshakeResponse {
    return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
  },
});
