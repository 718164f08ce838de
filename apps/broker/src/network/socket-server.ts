import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { ListenerSpec, SecurityProtocol } from '../config/listeners.js';
import type { Dispatcher } from '../handlers/dispatcher.js';
import type { ListenerSecurity } from '../security/listener-security.js';
import { ANONYMOUS, userPrincipal, type KafkaPrincipal } from '../security/principal.js';
import { SaslServerAuthenticator } from '../security/sasl-authenticator.js';
import type { ScramCredentialLookup } from '../security/sasl/scram-server.js';
import { Connection, type ConnectionLimits, type ConnectionStats, type MutableConnectionInfo } from './connection.js';

/** A listener after binding: the port is the real one (never 0). */
export interface BoundListener {
  readonly name: string;
  readonly securityProtocol: SecurityProtocol;
  /** The host as configured ('' = every interface). */
  readonly host: string;
  readonly port: number;
  /** The address actually bound, e.g. '::' or '127.0.0.1'. */
  readonly boundAddress: string;
}

/** What SSL and SASL listeners need beyond the listener list. */
export interface SocketSecurity {
  /** Per listener name: its TLS and SASL settings (security/listener-security.ts). */
  readonly listeners: ReadonlyMap<string, ListenerSecurity>;
  /** Stored SCRAM credentials (the metadata store). */
  readonly scramCredentials: ScramCredentialLookup;
}

/** TLS handshakes that take longer than this are dropped (Node's default is 120 s). */
const TLS_HANDSHAKE_TIMEOUT_MS = 30_000;

/**
 * The broker's TCP side: one server per listener (TLS servers for SSL and SASL_SSL), one
 * Connection per accepted socket, with a SASL authenticator on SASL listeners. Stopping closes the
 * servers first (no new connections), then lets each connection finish the request in progress,
 * and destroys whatever is still open when the deadline passes.
 */
export class SocketServer {
  private readonly servers: Array<{ spec: ListenerSpec; server: Server }> = [];
  private readonly connections = new Set<Connection>();
  /** Every TCP socket accepted by a TLS listener, until it closes (including those still in the handshake). */
  private readonly tlsSockets = new Set<Socket>();
  private nextConnectionId = 1;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly listeners: readonly ListenerSpec[],
    private readonly dispatcher: Dispatcher,
    private readonly limits: ConnectionLimits,
    private readonly log: Logger,
    private readonly security?: SocketSecurity,
  ) {}

  /** Binds every listener; if one fails, the others are closed again and the error is thrown. */
  async start(): Promise<BoundListener[]> {
    const bound: BoundListener[] = [];
    try {
      for (const spec of this.listeners) {
        const server = this.createListenerServer(spec);
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

  private createListenerServer(spec: ListenerSpec): Server {
    const security = this.security?.listeners.get(spec.name);
    if (spec.securityProtocol !== 'PLAINTEXT' && security === undefined) {
      throw new Error(`listener ${spec.name} (${spec.securityProtocol}) has no security settings`);
    }
    const tls = security?.tls;
    if (!tls) return createServer((socket) => this.accept(spec, socket, ANONYMOUS));
    const server = createTlsServer(
      {
        ...tls.contextOptions,
        requestCert: tls.clientAuth !== 'none',
        // 'requested' lets a client without a certificate in; one whose certificate fails is refused below.
        rejectUnauthorized: tls.clientAuth === 'required',
        handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
      },
      (socket) => {
        const principal = this.tlsPrincipal(spec, socket);
        if (principal !== undefined) this.accept(spec, socket, principal);
      },
    );
    server.on('connection', (raw: Socket) => {
      this.tlsSockets.add(raw);
      raw.once('close', () => this.tlsSockets.delete(raw));
    });
    // A failed handshake (plaintext client, untrusted certificate) concerns that client only.
    server.on('tlsClientError', (err, socket) => {
      this.log.debug({ listener: spec.name, remote: socket.remoteAddress, err: err.message }, 'TLS handshake failed');
      socket.destroy();
    });
    return server;
  }

  /**
   * The principal of a TLS connection before any SASL, as Kafka's DefaultKafkaPrincipalBuilder: on
   * an SSL listener a verified client certificate makes User:<subject DN, RFC 2253 order>, anything
   * else User:ANONYMOUS. Undefined when the connection must be refused (ssl.client.auth=requested
   * and the client showed a certificate that does not verify).
   */
  private tlsPrincipal(spec: ListenerSpec, socket: TLSSocket): KafkaPrincipal | undefined {
    const cert = socket.getPeerCertificate();
    const presented = cert !== null && Object.keys(cert).length > 0;
    if (presented && !socket.authorized) {
      this.log.debug({ listener: spec.name, remote: socket.remoteAddress, err: String(socket.authorizationError) }, 'client certificate refused');
      socket.destroy();
      return undefined;
    }
    if (spec.securityProtocol !== 'SSL' || !presented) return ANONYMOUS;
    const x509 = socket.getPeerX509Certificate();
    return x509 ? userPrincipal(rfc2253(x509.subject)) : ANONYMOUS;
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
    // Every Connection is closed by now; what is left on TLS listeners is still in its handshake,
    // and server.close() would wait for it (up to the handshake timeout).
    for (const raw of this.tlsSockets) raw.destroy();
    await serversClosed;
  }

  private accept(spec: ListenerSpec, socket: Socket, principal: KafkaPrincipal): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const info: MutableConnectionInfo = {
      id: this.nextConnectionId++,
      listenerName: spec.name,
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      securityProtocol: spec.securityProtocol,
      principal,
    };
    const sasl = this.security?.listeners.get(spec.name)?.sasl;
    const authenticator = sasl
      ? new SaslServerAuthenticator({
          listenerName: spec.name,
          settings: sasl,
          scramCredentials: this.security!.scramCredentials,
          apiVersions: (frame) => this.dispatcher.dispatch(frame, info),
          log: this.log.child({ conn: info.id }),
        })
      : undefined;
    const conn = new Connection(socket, info, this.dispatcher, this.limits, this.log, authenticator);
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

/** X509Certificate.subject lists RDNs one per line, most significant first; RFC 2253 reverses them. */
function rfc2253(subject: string): string {
  return subject
    .split('\n')
    .filter((l) => l !== '')
    .reverse()
    .map((rdn) => {
      const eq = rdn.indexOf('=');
      const value = rdn.slice(eq + 1).replace(/([,+"\\<>;])/g, '\\$1');
      return `${rdn.slice(0, eq)}=${value}`;
    })
    .join(',');
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
