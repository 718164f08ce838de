import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM files for TLS tests, made with openssl in a temporary directory. */
export interface TestCerts {
  readonly dir: string;
  /** The CA that signed the server and client certificates. */
  readonly caCert: string;
  readonly caCertPath: string;
  /** Server certificate for localhost / 127.0.0.1, and its key (unencrypted PKCS#8). */
  readonly serverCertPath: string;
  readonly serverKeyPath: string;
  /** Key then certificate in one file: what ssl.keystore.location takes. */
  readonly serverKeystorePath: string;
  /** The same key encrypted with `keyPassword`, with the certificate, in one file. */
  readonly serverEncryptedKeystorePath: string;
  readonly keyPassword: string;
  /** A client certificate (CN=test-client) signed by the CA, and its key. */
  readonly clientCertPath: string;
  readonly clientKeyPath: string;
  /** A self-signed certificate the CA did not sign. */
  readonly strangerCertPath: string;
  readonly strangerKeyPath: string;
  cleanup(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

/** EC P-256 keys: quick to generate, and every client here speaks them. */
const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-certs-'));
  openssl(['req', '-x509', ...NEW_KEY, '-days', '2', '-subj', '/CN=Tributary Test CA', '-keyout', 'ca.key', '-out', 'ca.pem'], dir);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(['req', ...NEW_KEY, '-subj', '/O=Tributary/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr'], dir);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'server.pem'], dir);
  openssl(['req', ...NEW_KEY, '-subj', '/O=Tributary/OU=Tests/CN=test-client', '-keyout', 'client.key', '-out', 'client.csr'], dir);
  openssl(['x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', 'client.pem'], dir);
  openssl(['req', '-x509', ...NEW_KEY, '-days', '2', '-subj', '/CN=stranger', '-keyout', 'stranger.key', '-out', 'stranger.pem'], dir);
  const keyPassword = 'key-pass-123';
  openssl(['pkcs8', '-topk8', '-in', 'server.key', '-out', 'server-enc.key', '-passout', `pass:${keyPassword}`, '-v2', 'aes-256-cbc'], dir);
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  writeFileSync(join(dir, 'server-keystore.pem'), read('server.key') + read('server.pem'));
  writeFileSync(join(dir, 'server-enc-keystore.pem'), read('server-enc.key') + read('server.pem'));
  return {
    dir,
    caCert: read('ca.pem'),
    caCertPath: join(dir, 'ca.pem'),
    serverCertPath: join(dir, 'server.pem'),
    serverKeyPath: join(dir, 'server.key'),
    serverKeystorePath: join(dir, 'server-keystore.pem'),
    serverEncryptedKeystorePath: join(dir, 'server-enc-keystore.pem'),
    keyPassword,
    clientCertPath: join(dir, 'client.pem'),
    clientKeyPath: join(dir, 'client.key'),
    strangerCertPath: join(dir, 'stranger.pem'),
    strangerKeyPath: join(dir, 'stranger.key'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
