import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ListenerSpec } from '../config/listeners.js';
import type { Dispatcher } from '../handlers/dispatcher.js';
import { Connection, type ConnectionLimits, type ConnectionStats } from './connection.js';

/** A listener after binding: the port is the real one (never 0). */
export interface BoundListener {
  readonly name: string;
  readonly securityProtocol: string;
  /** The host as configured ('' = every interface). */
  readonly host: string;
  readonly port: number;
  /** The address actually bound, e.g. '::' or '127.0.0.1'. */
  readonly boundAddress: string;
}

/**
 * The broker's TCP side: one server per listener, one Connection per accepted socket. Stopping
 * closes the servers first (no new connections), then lets each connection finish the request in
 * progress, and destroys whatever is still open when the deadline passes.
 */
export class SocketServer {
  private readonly servers: Array<{ spec: ListenerSpec; server: Server }> = [];
  private readonly connections = new Set<Connection>();
  private nextConnectionId = 1;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly listeners: readonly ListenerSpec[],
    private readonly dispatcher: Dispatcher,
    private readonly limits: ConnectionLimits,
    private readonly log: Logger,
  ) {}

  /** Binds every listener; if one fails, the others are closed again and the error is thrown. */
  async start(): Promise<BoundListener[]> {
    const bound: BoundListener[] = [];
    try {
      for (const spec of this.listeners) {
        const server = createServer((socket) => this.accept(spec, socket));
        this.servers.push({ spec, server });
        const address = await listen(server, spec);
        // After binding, a server error (e.g. EMFILE on accept) must be logged, not crash the process.
        server.on('error', (err) => this.log.error({ err, listener: spec.name }, 'listener error'));
        bound.push({ name: spec.name, securityProtocol: spec.securityProtocol, host: spec.host, port: address.port, boundAddress: address.address });
      }
    } catch (err) {
      await this.closeServers();
      throw err;
    }
    return bound;
  }

  connectionStats(): ConnectionStats[] {
    return [...this.connections].map((c) => c.stats());
  }

  /** Idempotent; resolves once every server and connection is closed. */
  stop(graceMs: number): Promise<void> {
    this.stopping ??= this.doStop(graceMs);
    return this.stopping;
  }

  private async doStop(graceMs: number): Promise<void> {
    const serversClosed = this.closeServers();
    const open = [...this.connections];
    const graceful = Promise.all(open.map((c) => c.shutdown()));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), graceMs);
    });
    if ((await Promise.race([graceful, deadline])) === 'late') {
      this.log.warn(`${this.connections.size} connection(s) still busy after ${graceMs} ms; closing them`);
      for (const c of this.connections) c.destroy();
      await Promise.all(open.map((c) => c.whenClosed));
    }
    clearTimeout(timer);
    await serversClosed;
  }

  private accept(spec: ListenerSpec, socket: Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const info = {
      id: this.nextConnectionId++,
      listenerName: spec.name,
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
    };
    const conn = new Connection(socket, info, this.dispatcher, this.limits, this.log);
    this.connections.add(conn);
    void conn.whenClosed.then(() => this.connections.delete(conn));
    this.log.debug({ conn: info.id, remote: `${info.remoteAddress}:${info.remotePort}`, listener: spec.name }, 'connection accepted');
  }

  private async closeServers(): Promise<void> {
    await Promise.all(
      this.servers.map(
        ({ server }) =>
          new Promise<void>((resolve) => {
            if (!server.listening) return resolve();
            server.close(() => resolve());
          }),
      ),
    );
  }
}

function listen(server: Server, spec: ListenerSpec): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    const done = () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    };
    // An empty host binds every interface (IPv6 and IPv4 where the OS allows), as Kafka does.
    if (spec.host === '') server.listen(spec.port, done);
    else server.listen(spec.port, spec.host, done);
  });
}
