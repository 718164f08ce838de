/**
 * Kafka's listener syntax: `NAME://host:port[,NAME://host:port...]`. An empty host means "every
 * interface" (and, when advertised, this machine's host name); an IPv6 host is written in brackets.
 * The security protocol behind a name comes from `listener.security.protocol.map` (Kafka's default
 * maps each protocol name to itself), and `listener.name.<name>.<key>` overrides a security key for
 * one listener.
 */

import type { BrokerConfigName } from './definitions.js';

/** Kafka's security protocols (SecurityProtocol.java). */
export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

export const SECURITY_PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

/** Kafka's default listener.security.protocol.map, in the order its docs print it. */
export const DEFAULT_PROTOCOL_MAP_TEXT = 'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT';

/** Whether connections on this protocol use TLS. */
export function usesTls(protocol: SecurityProtocol): boolean {
  return protocol === 'SSL' || protocol === 'SASL_SSL';
}

/** Whether connections on this protocol authenticate with SASL. */
export function usesSasl(protocol: SecurityProtocol): boolean {
  return protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
}

/** One `NAME://host:port` entry, before its name is mapped to a security protocol. */
export interface ListenerAddress {
  /** Listener name, upper-cased as Kafka normalises it. */
  readonly name: string;
  /** Host as written, brackets removed; '' for "every interface". */
  readonly host: string;
  /** 0 asks the OS for a free port (listeners only). */
  readonly port: number;
}

export interface ListenerSpec extends ListenerAddress {
  /** Security protocol behind the name (listener.security.protocol.map). */
  readonly securityProtocol: SecurityProtocol;
}

export type ListenerAddressesResult = { ok: true; listeners: ListenerAddress[] } | { ok: false; problem: string };
export type ListenersResult = { ok: true; listeners: ListenerSpec[] } | { ok: false; problem: string };
export type ProtocolMapResult = { ok: true; map: ReadonlyMap<string, SecurityProtocol> } | { ok: false; problem: string };

// Kafka's own pattern, with the port made strict: name, "://", optional [ipv6] or host, ":", port.
const ENTRY = /^([A-Za-z0-9_-]+):\/\/(?:\[([0-9A-Fa-f:.%a-zA-Z]*)\]|([0-9A-Za-z\-%._]*)):(\d{1,5})$/;
const LISTENER_NAME = /^[A-Za-z0-9_-]+$/;

/** The syntax of a listener list: well-formed entries, distinct names, usable advertised addresses. */
export function parseListenerAddresses(text: string, role: 'listeners' | 'advertised.listeners'): ListenerAddressesResult {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0) return { ok: false, problem: 'expected at least one NAME://host:port entry' };
  const out: ListenerAddress[] = [];
  for (const entry of entries) {
    const m = ENTRY.exec(entry);
    if (!m) return { ok: false, problem: `"${entry}" is not of the form NAME://host:port (IPv6 hosts in brackets)` };
    const name = m[1]!.toUpperCase();
    const host = m[2] ?? m[3] ?? '';
    const port = Number(m[4]);
    if (port > 65535) return { ok: false, problem: `port ${port} in "${entry}" is above 65535` };
    if (out.some((l) => l.name === name)) return { ok: false, problem: `listener name ${name} appears twice` };
    if (role === 'advertised.listeners') {
      if (port === 0) return { ok: false, problem: `"${entry}" advertises port 0, which no client can connect to` };
      if (host === '0.0.0.0' || host === '::') {
        return { ok: false, problem: `"${entry}" advertises the wildcard address ${host}, which no client can connect to` };
      }
    }
    out.push({ name, host, port });
  }
  return { ok: true, listeners: out };
}

/** A listener list with each name mapped to its security protocol (Kafka's rules). */
export function parseListeners(
  text: string,
  role: 'listeners' | 'advertised.listeners',
  protocolMap: ReadonlyMap<string, SecurityProtocol> = defaultProtocolMap(),
): ListenersResult {
  const parsed = parseListenerAddresses(text, role);
  if (!parsed.ok) return parsed;
  const out: ListenerSpec[] = [];
  for (const l of parsed.listeners) {
    const securityProtocol = protocolMap.get(l.name);
    if (securityProtocol === undefined) {
      return {
        ok: false,
        problem:
          `listener name ${l.name} has no security protocol in listener.security.protocol.map ` +
          `(${[...protocolMap].map(([n, p]) => `${n}:${p}`).join(',')}); add ${l.name}:<PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL> to it`,
      };
    }
    out.push({ ...l, securityProtocol });
  }
  return { ok: true, listeners: out };
}

/**
 * `listener.security.protocol.map`: `NAME:PROTOCOL` pairs separated by commas, each name once. As
 * in Kafka, a map that is set replaces the default one entirely.
 */
export function parseProtocolMap(text: string): ProtocolMapResult {
  const map = new Map<string, SecurityProtocol>();
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0) return { ok: false, problem: 'expected at least one NAME:PROTOCOL entry' };
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const name = (colon < 0 ? entry : entry.slice(0, colon)).trim().toUpperCase();
    const protocol = colon < 0 ? '' : entry.slice(colon + 1).trim().toUpperCase();
    if (colon < 0 || !LISTENER_NAME.test(name)) return { ok: false, problem: `"${entry}" is not of the form NAME:PROTOCOL` };
    if (!SECURITY_PROTOCOLS.includes(protocol as SecurityProtocol)) {
      return { ok: false, problem: `"${entry}" names security protocol "${protocol}"; expected one of ${SECURITY_PROTOCOLS.join(', ')}` };
    }
    if (map.has(name)) return { ok: false, problem: `listener name ${name} appears twice` };
    map.set(name, protocol as SecurityProtocol);
  }
  return { ok: true, map };
}

export function defaultProtocolMap(): ReadonlyMap<string, SecurityProtocol> {
  const r = parseProtocolMap(DEFAULT_PROTOCOL_MAP_TEXT);
  if (!r.ok) throw new Error(`the default protocol map does not parse: ${r.problem}`);
  return r.map;
}

/** host:port as clients write it (IPv6 in brackets). */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

// ---- listener-prefixed keys ---------------------------------------------------------------

const LISTENER_PREFIX = 'listener.name.';

/** Kafka's per-listener prefix: the listener name lower-cased (ListenerName.configPrefix). */
export function listenerConfigPrefix(listenerName: string): string {
  return `${LISTENER_PREFIX}${listenerName.toLowerCase()}.`;
}

/** A `listener.name.<listener>.[<mechanism>.]<key>` key taken apart. */
export interface ListenerPrefixedKey {
  /** The listener name, upper-cased like the names in `listeners`. */
  readonly listener: string;
  /** The SASL mechanism for the keys Kafka also scopes by mechanism, upper-cased (SCRAM-SHA-256). */
  readonly mechanism: string | null;
  /** The key without the prefixes, e.g. ssl.keystore.location or sasl.jaas.config. */
  readonly key: ListenerConfigName;
}

/**
 * Splits a listener-prefixed key (`listener.name.sasl_ssl.ssl.keystore.location`,
 * `listener.name.sasl_ssl.plain.sasl.jaas.config`). Undefined when the key does not start with
 * `listener.name.` or what follows the listener name is not a key a listener may override. Kafka
 * writes the listener and mechanism in lower case; other cases are accepted too.
 */
export function parseListenerPrefixedKey(fullKey: string): ListenerPrefixedKey | undefined {
  if (!fullKey.startsWith(LISTENER_PREFIX)) return undefined;
  const rest = fullKey.slice(LISTENER_PREFIX.length);
  const dot = rest.indexOf('.');
  if (dot <= 0) return undefined;
  const listener = rest.slice(0, dot).toUpperCase();
  const tail = rest.slice(dot + 1);
  if ((LISTENER_OVERRIDABLE_KEYS as readonly string[]).includes(tail)) return { listener, mechanism: null, key: tail as ListenerConfigName };
  // Mechanism names contain dashes, never dots: "scram-sha-256.sasl.jaas.config".
  const mdot = tail.indexOf('.');
  if (mdot <= 0) return undefined;
  const mechanism = tail.slice(0, mdot).toUpperCase();
  const key = tail.slice(mdot + 1);
  if (!(MECHANISM_SCOPED_KEYS as readonly string[]).includes(key)) return undefined;
  if (!(KAFKA_SASL_MECHANISMS as readonly string[]).includes(mechanism)) return undefined;
  return { listener, mechanism, key: key as ListenerConfigName };
}

/** The normalised form of a listener-prefixed key (lower-case listener and mechanism, as Kafka writes them). */
export function listenerPrefixedKey(listener: string, key: ListenerConfigName, mechanism: string | null = null): string {
  return `${listenerConfigPrefix(listener)}${mechanism === null ? '' : `${mechanism.toLowerCase()}.`}${key}`;
}

/** Security keys one listener may override with `listener.name.<listener>.<key>`, as in Kafka. */
export const LISTENER_OVERRIDABLE_KEYS = [
  'sasl.enabled.mechanisms',
  'sasl.jaas.config',
  'sasl.server.max.receive.size',
  'connections.max.reauth.ms',
  'ssl.keystore.type',
  'ssl.keystore.location',
  'ssl.keystore.certificate.chain',
  'ssl.keystore.key',
  'ssl.key.password',
  'ssl.keystore.password',
  'ssl.truststore.type',
  'ssl.truststore.location',
  'ssl.truststore.certificates',
  'ssl.truststore.password',
  'ssl.client.auth',
  'ssl.enabled.protocols',
  'ssl.cipher.suites',
  'ssl.protocol',
  'ssl.endpoint.identification.algorithm',
] as const satisfies readonly BrokerConfigName[];

export type ListenerConfigName = (typeof LISTENER_OVERRIDABLE_KEYS)[number];

/** Keys that may also be scoped to one SASL mechanism: `listener.name.<listener>.<mechanism>.<key>`. */
export const MECHANISM_SCOPED_KEYS = ['sasl.jaas.config', 'connections.max.reauth.ms'] as const satisfies readonly ListenerConfigName[];

export type MechanismConfigName = (typeof MECHANISM_SCOPED_KEYS)[number];

/** SASL mechanism names Kafka knows (implemented here or not), as they may appear in a key prefix. */
export const KAFKA_SASL_MECHANISMS = ['GSSAPI', 'PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
