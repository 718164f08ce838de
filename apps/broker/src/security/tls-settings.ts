import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ConfigProblem } from '../config/config-error.js';
import type { ListenerConfigName } from '../config/listeners.js';

export type SslClientAuth = 'required' | 'requested' | 'none';

/** What a TLS listener is built from: Node's secure-context options and Kafka's ssl.client.auth. */
export interface TlsListenerSettings {
  readonly contextOptions: SecureContextOptions;
  readonly clientAuth: SslClientAuth;
  /** Subject of the broker's certificate, for the start-up log. */
  readonly certificateSubject: string;
  /** When the broker's certificate stops being valid (ISO time), for the start-up log. */
  readonly certificateValidTo: string;
}

export type TlsSettingsResult = { ok: true; settings: TlsListenerSettings; warnings: string[] } | { ok: false; problems: ConfigProblem[] };

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const KEY_LABELS = new Set(['PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'DSA PRIVATE KEY']);
const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;

const PEM_ONLY_HINT =
  'Tributary reads PEM only. Convert the store, e.g. `keytool -importkeystore -srckeystore server.jks -destkeystore server.p12 ' +
  '-deststoretype PKCS12` then `openssl pkcs12 -in server.p12 -nodes -out server.pem`, and set ssl.keystore.type=PEM with ' +
  'ssl.keystore.location=server.pem (or ssl.keystore.certificate.chain and ssl.keystore.key)';

/**
 * The TLS settings of one SSL or SASL_SSL listener, from Kafka's PEM key-store keys (each looked
 * up with the listener prefix first): the key and certificate chain from ssl.keystore.location, or
 * from ssl.keystore.certificate.chain + ssl.keystore.key; ssl.key.password for an encrypted key;
 * trusted CAs for client certificates from ssl.truststore.location or ssl.truststore.certificates.
 * Everything is read and checked now (the key must decrypt and belong to the certificate), so a bad
 * file is a start-up error naming the key rather than a failure at the first handshake.
 */
export function resolveTlsSettings(config: BrokerConfig, listener: string): TlsSettingsResult {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const get = <K extends ListenerConfigName>(k: K) => config.forListener(listener, k);
  const keyOf = (k: ListenerConfigName) => config.keyForListener(listener, k);
  const fail = (k: ListenerConfigName, message: string) => problems.push({ key: keyOf(k), message: `${keyOf(k)}: ${message}` });

  // ---- key store ----------------------------------------------------------------------------
  const storeType = get('ssl.keystore.type').toUpperCase();
  const location = get('ssl.keystore.location');
  const inlineChain = get('ssl.keystore.certificate.chain');
  const inlineKey = get('ssl.keystore.key');
  const keyPassword = get('ssl.key.password');
  let keyPem: string | undefined;
  let chainPem: string[] = [];
  let keyEncrypted = false;
  let keySource: ListenerConfigName = 'ssl.keystore.location';
  let chainSource: ListenerConfigName = 'ssl.keystore.location';
  if (storeType !== 'PEM') {
    fail('ssl.keystore.type', `key store type ${storeType} is not supported on listener ${listener}. ${PEM_ONLY_HINT}`);
  } else if (get('ssl.keystore.password') !== null) {
    fail('ssl.keystore.password', 'a key store password cannot be used with PEM (as in Kafka); use ssl.key.password for an encrypted private key');
  } else if (location !== null && (inlineKey !== null || inlineChain !== null)) {
    fail('ssl.keystore.location', 'give either ssl.keystore.location or ssl.keystore.certificate.chain with ssl.keystore.key, not both');
  } else if ((inlineKey === null) !== (inlineChain === null)) {
    fail(inlineKey === null ? 'ssl.keystore.key' : 'ssl.keystore.certificate.chain', 'ssl.keystore.certificate.chain and ssl.keystore.key must be given together');
  } else if (location === null && inlineKey === null) {
    problems.push({
      key: keyOf('ssl.keystore.location'),
      message:
        `listener ${listener} uses TLS and needs the broker's private key and certificate: set ${keyOf('ssl.keystore.location')} ` +
        '(a PEM file with both) or ssl.keystore.certificate.chain and ssl.keystore.key',
    });
  } else {
    let blocks: PemBlock[] = [];
    if (location !== null) {
      const text = readText(location);
      if (typeof text !== 'string') fail('ssl.keystore.location', `cannot read ${location}: ${text.error}`);
      else blocks = pemBlocks(text);
    } else {
      blocks = [...pemBlocks(inlineKey!), ...pemBlocks(inlineChain!)];
      keySource = 'ssl.keystore.key';
      chainSource = 'ssl.keystore.certificate.chain';
    }
    if (problems.length === 0) {
      const keyBlock = blocks.find((b) => KEY_LABELS.has(b.label));
      keyPem = keyBlock?.pem;
      keyEncrypted = keyBlock !== undefined && (keyBlock.label === 'ENCRYPTED PRIVATE KEY' || keyBlock.pem.includes('ENCRYPTED'));
      chainPem = blocks.filter((b) => b.label === 'CERTIFICATE').map((b) => b.pem);
      if (keyPem === undefined) fail(keySource, 'no PEM private key found (-----BEGIN PRIVATE KEY----- or -----BEGIN ENCRYPTED PRIVATE KEY-----)');
      if (chainPem.length === 0) fail(chainSource, 'no PEM certificate found (-----BEGIN CERTIFICATE-----)');
    }
  }

  let privateKey: KeyObject | undefined;
  let leaf: X509Certificate | undefined;
  if (problems.length === 0 && keyEncrypted && keyPassword === null) {
    fail('ssl.key.password', `the private key in ${keyOf(keySource)} is encrypted; set ssl.key.password`);
  } else if (problems.length === 0) {
    try {
      privateKey = createPrivateKey({ key: keyPem!, format: 'pem', ...(keyPassword !== null && { passphrase: keyPassword }) });
    } catch (err) {
      const why = (err as Error).message;
      if (keyEncrypted) fail('ssl.key.password', `cannot decrypt the private key in ${keyOf(keySource)} with it (${why})`);
      else fail(keySource, `the private key is not usable: ${why}`);
    }
    try {
      leaf = new X509Certificate(chainPem[0]!);
      for (const c of chainPem.slice(1)) new X509Certificate(c);
    } catch (err) {
      fail(chainSource, `a certificate does not parse: ${(err as Error).message}`);
    }
    if (privateKey && leaf && !leaf.checkPrivateKey(privateKey)) {
      fail(keySource, `the private key does not belong to the first certificate (${leaf.subject.replace(/\n/g, ', ')}); the server certificate must come first`);
    }
    if (leaf && Date.parse(leaf.validTo) < Date.now()) warnings.push(`the certificate of listener ${listener} expired on ${leaf.validTo}`);
  }

  // ---- trust store (client certificates) ----------------------------------------------------
  const trustType = get('ssl.truststore.type').toUpperCase();
  const trustLocation = get('ssl.truststore.location');
  const trustInline = get('ssl.truststore.certificates');
  let ca: string[] | undefined;
  if (trustLocation !== null || trustInline !== null || get('ssl.truststore.password') !== null) {
    if (trustType !== 'PEM') {
      fail('ssl.truststore.type', `trust store type ${trustType} is not supported on listener ${listener}; Tributary reads PEM CA certificates only`);
    } else if (get('ssl.truststore.password') !== null) {
      fail('ssl.truststore.password', 'a trust store password cannot be used with PEM (as in Kafka)');
    } else if (trustLocation !== null && trustInline !== null) {
      fail('ssl.truststore.location', 'give either ssl.truststore.location or ssl.truststore.certificates, not both');
    } else {
      const source: ListenerConfigName = trustLocation !== null ? 'ssl.truststore.location' : 'ssl.truststore.certificates';
      const text = trustLocation !== null ? readText(trustLocation) : trustInline!;
      if (typeof text !== 'string') {
        fail(source, `cannot read ${trustLocation}: ${text.error}`);
      } else {
        ca = pemBlocks(text)
          .filter((b) => b.label === 'CERTIFICATE')
          .map((b) => b.pem);
        if (ca.length === 0) fail(source, 'no PEM certificate found (-----BEGIN CERTIFICATE-----)');
        for (const c of ca) {
          try {
            new X509Certificate(c);
          } catch (err) {
            fail(source, `a certificate does not parse: ${(err as Error).message}`);
            break;
          }
        }
      }
    }
  }

  // ---- protocol versions and ciphers ----------------------------------------------------------
  const versions = get('ssl.enabled.protocols');
  const indices = versions.map((v) => TLS_VERSIONS.indexOf(v as (typeof TLS_VERSIONS)[number])).filter((i) => i >= 0);
  const ciphers = get('ssl.cipher.suites') ?? [];
  if (problems.length > 0) return { ok: false, problems };

  const contextOptions: SecureContextOptions = {
    key: privateKey!.export({ format: 'pem', type: 'pkcs8' }),
    cert: chainPem.join('\n'),
    minVersion: TLS_VERSIONS[Math.min(...indices)],
    maxVersion: TLS_VERSIONS[Math.max(...indices)],
    ...(ca !== undefined && { ca }),
    ...(ciphers.length > 0 && { ciphers: ciphers.join(':') }),
  };
  try {
    createSecureContext(contextOptions);
  } catch (err) {
    const k: ListenerConfigName = ciphers.length > 0 && /cipher/i.test((err as Error).message) ? 'ssl.cipher.suites' : 'ssl.enabled.protocols';
    return { ok: false, problems: [{ key: keyOf(k), message: `${keyOf(k)}: TLS settings of listener ${listener} rejected: ${(err as Error).message}` }] };
  }
  return {
    ok: true,
    warnings,
    settings: {
      contextOptions,
      clientAuth: get('ssl.client.auth') as SslClientAuth,
      certificateSubject: leaf!.subject.replace(/\n/g, ', '),
      certificateValidTo: new Date(leaf!.validTo).toISOString(),
    },
  };
}

interface PemBlock {
  readonly label: string;
  /** The block re-wrapped at 64 columns, so PEM text whose newlines a properties file lost still loads. */
  readonly pem: string;
}

function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    const label = m[1]!;
    const body = m[2]!;
    // Legacy encrypted keys carry "Proc-Type:" headers whose line structure matters: keep them as written.
    if (body.includes(':')) {
      out.push({ label, pem: m[0] });
      continue;
    }
    const base64 = body.replace(/\s+/g, '');
    const lines = base64.match(/.{1,64}/g) ?? [];
    out.push({ label, pem: `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n` });
  }
  return out;
}

function readText(path: string): string | { error: string } {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    return { error: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
  }
}
