import { connect, type Socket } from 'node:net';
import { encodeRequest, FrameDecoder, type ApiKey, type RequestByKey } from '@tributary/protocol';

/**
 * A bare TCP client for tests: sends exactly the bytes it is given and hands back response frames
 * one by one, so tests can pipeline, send garbage, or stop reading.
 */
export class RawClient {
  private readonly decoder = new FrameDecoder(1 << 30);
  private readonly frames: Buffer[] = [];
  private waiters: Array<() => void> = [];
  private closedFlag = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.decoder.push(chunk)) this.frames.push(f);
      this.wake();
    });
    socket.on('error', () => undefined); // a reset by the broker shows up as 'close'
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.closedFlag = true;
        this.wake();
        resolve();
      }),
    );
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Sends a request framed with its size prefix. */
  send<K extends ApiKey>(apiKey: K, version: number, correlationId: number, body: RequestByKey[K], clientId: string | null = 'raw-test'): void {
    this.write(frameOf(encodeRequest(apiKey, version, { correlationId, clientId }, body)));
  }

  /** The next response frame (payload without the size prefix); rejects if the socket closes first. */
  async next(timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.shift();
      if (f) return f;
      if (this.closedFlag) throw new Error('connection closed before a response arrived');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no response within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Frames received and not yet taken. */
  get buffered(): number {
    return this.frames.length;
  }

  /** Resolves true if the broker closes the connection within the time, false otherwise. */
  async closesWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      this.closed.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
    clearTimeout(timer);
    return r;
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

export function frameOf(payload: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + payload.length);
  out.writeInt32BE(payload.length, 0);
  out.set(payload, 4);
  return out;
}
