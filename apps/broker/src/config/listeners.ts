/**
 * Kafka's listener syntax: `NAME://host:port[,NAME://host:port...]`. An empty host means "every
 * interface" (and, when advertised, this machine's host name); an IPv6 host is written in brackets.
 */

export interface ListenerSpec {
  /** Listener name, upper-cased as Kafka normalises it. */
  readonly name: string;
  /** Security protocol behind the name; only PLAINTEXT is implemented so far. */
  readonly securityProtocol: 'PLAINTEXT';
  /** Host as written, brackets removed; '' for "every interface". */
  readonly host: string;
  /** 0 asks the OS for a free port (listeners only). */
  readonly port: number;
}

export type ListenersResult = { ok: true; listeners: ListenerSpec[] } | { ok: false; problem: string };

// Kafka's own pattern, with the port made strict: name, "://", optional [ipv6] or host, ":", port.
const ENTRY = /^([A-Za-z0-9_-]+):\/\/(?:\[([0-9A-Fa-f:.%a-zA-Z]*)\]|([0-9A-Za-z\-%._]*)):(\d{1,5})$/;

/** Security protocols Kafka knows; the name of a listener maps to one of them by default. */
const KAFKA_PROTOCOLS = new Set(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']);

export function parseListeners(text: string, role: 'listeners' | 'advertised.listeners'): ListenersResult {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0) return { ok: false, problem: 'expected at least one NAME://host:port entry' };
  const out: ListenerSpec[] = [];
  for (const entry of entries) {
    const m = ENTRY.exec(entry);
    if (!m) return { ok: false, problem: `"${entry}" is not of the form NAME://host:port (IPv6 hosts in brackets)` };
    const name = m[1]!.toUpperCase();
    const host = m[2] ?? m[3] ?? '';
    const port = Number(m[4]);
    if (port > 65535) return { ok: false, problem: `port ${port} in "${entry}" is above 65535` };
    if (name !== 'PLAINTEXT') {
      return {
        ok: false,
        problem: KAFKA_PROTOCOLS.has(name)
          ? `security protocol ${name} in "${entry}" is not supported yet; only PLAINTEXT listeners are`
          : `listener name ${name} in "${entry}" has no security protocol; only the PLAINTEXT listener is supported (listener.security.protocol.map is not)`,
      };
    }
    if (out.some((l) => l.name === name)) return { ok: false, problem: `listener name ${name} appears twice` };
    if (role === 'advertised.listeners') {
      if (port === 0) return { ok: false, problem: `"${entry}" advertises port 0, which no client can connect to` };
      if (host === '0.0.0.0' || host === '::') {
        return { ok: false, problem: `"${entry}" advertises the wildcard address ${host}, which no client can connect to` };
      }
    }
    out.push({ name, securityProtocol: 'PLAINTEXT', host, port });
  }
  return { ok: true, listeners: out };
}

/** host:port as clients write it (IPv6 in brackets). */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
