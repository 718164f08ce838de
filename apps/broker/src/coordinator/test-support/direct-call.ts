import { apiByKey, type ApiKey, type RequestByKey, type ResponseByKey } from '@tributary/protocol';
import type { RunningBroker } from '../../broker.js';
import { CloseConnection, type AnyApiHandler, type ApiHandler, type RequestContext } from '../../handlers/handler.js';
import { HandlerRegistry } from '../../handlers/registry.js';
import { silentLogger } from '../../test-support/test-env.js';

/**
 * Calls a handler directly with a request context on a running broker's services, at any version
 * the protocol defines: for versions the broker does not advertise yet (the dispatcher would close
 * the connection), so a test can check that raising the advertised maximum later is safe.
 */
export async function callHandler<K extends ApiKey>(
  broker: RunningBroker,
  handler: ApiHandler<K>,
  version: number,
  body: Partial<RequestByKey[K]>,
): Promise<ResponseByKey[K]> {
  const ctx: RequestContext = {
    apiKey: handler.apiKey,
    apiVersion: version,
    correlationId: 1,
    clientId: 'direct-test',
    connection: { id: 0, listenerName: 'PLAINTEXT', remoteAddress: '127.0.0.1', remotePort: 1 },
    services: broker.services,
    // Only ApiVersions reads the registry; the handler under test is all it needs to hold.
    apis: new HandlerRegistry([handler as unknown as AnyApiHandler]),
    log: silentLogger(),
  };
  const request = { ...(apiByKey[handler.apiKey]!.request.defaultValue() as RequestByKey[K]), ...body };
  const response = await handler.handle(ctx, request);
  if (typeof response === 'symbol') throw new Error('handler answered with no response');
  if (response instanceof CloseConnection) throw new Error(`handler closed the connection: ${response.reason}`);
  return response;
}
