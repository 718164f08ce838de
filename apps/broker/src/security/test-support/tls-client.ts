import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { decodeResponse, encodeRequest, FrameDecoder, type ApiKey, type RequestByKey, type ResponseByKey } from '@tributary/protocol';

/** A minimal Kafka client over TLS for wire tests: one request at a time, frames decoded as they come. */
export class TlsTestClient {
  private readonly decoder = new FrameDecoder(1 << 30);
  private readonly frames: Buffer[] = [];
  private waiter: (() => void) | undefined;
  private correlation = 1;
  private ended = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: TLSSocket) {
    socket.on('data', (chunk: Buffer) => {
      this.frames.push(...this.decoder.push(chunk));
      this.waiter?.();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.ended = true;
        this.waiter?.();
        resolve();
      }),
    );
  }

  /** Resolves once the TLS handshake is done; rejects with the handshake error. */
  static connect(port: number, options: ConnectionOptions): Promise<TlsTestClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ...options }, () => {
        socket.off('error', reject);
        resolve(new TlsTestClient(socket));
      });
      socket.once('error', reject);
    });
  }

  async call<K extends ApiKey>(apiKey: K, version: number, body: RequestByKey[K]): Promise<ResponseByKey[K]> {
    const payload = encodeRequest(apiKey, version, { correlationId: this.correlation++, clientId: 'tls-test' }, body);
    const size = Buffer.alloc(4);
    size.writeInt32BE(payload.length, 0);
    this.socket.write(Buffer.concat([size, payload]));
    for (;;) {
      const f = this.frames.shift();
      if (f) return decodeResponse(apiKey, version, f).body;
      if (this.ended) throw new Error('connection closed before a response arrived');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 5000);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
