import { apiByKey, decodeResponse, type ApiKey, type RequestByKey, type ResponseByKey } from '@tributary/protocol';
import { RawClient } from '../../test-support/raw-client.js';

/**
 * A test client speaking the wire protocol to a running broker: fills every request field a test
 * leaves out with the schema default, sends it framed, and decodes the matching response. One
 * request at a time per client, as a broker answers a connection in order; tests that need a held
 * request (JoinGroup) and another at once use two clients.
 */
export class WireClient {
  private correlationId = 0;

  private constructor(private readonly raw: RawClient) {}

  static async connect(port: number, host = '127.0.0.1'): Promise<WireClient> {
    return new WireClient(await RawClient.connect(port, host));
  }

  async call<K extends ApiKey>(key: K, version: number, body: Partial<RequestByKey[K]>, timeoutMs = 10_000): Promise<ResponseByKey[K]> {
    const full = { ...(apiByKey[key]!.request.defaultValue() as RequestByKey[K]), ...body };
    const id = ++this.correlationId;
    this.raw.send(key, version, id, full, 'wire-test');
    const { header, body: response } = decodeResponse(key, version, await this.raw.next(timeoutMs));
    if (header.correlationId !== id) throw new Error(`response for correlation id ${header.correlationId}, expected ${id}`);
    return response;
  }

  close(): void {
    this.raw.close();
  }
}
