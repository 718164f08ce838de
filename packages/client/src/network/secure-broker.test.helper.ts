import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type RunningBroker, startBroker } from '@tributary/broker';

/**
 * A broker with PLAINTEXT, SSL, SASL_PLAINTEXT and SASL_SSL listeners on loopback, a certificate
 * for localhost/127.0.0.1 signed by a CA made for the test (openssl), and PLAIN users from Kafka's
 * JAAS line. Its SASL listeners also offer SCRAM-SHA-256/512 (users created by the tests).
 */
export interface SecureTestBroker {
  readonly broker: RunningBroker;
  /** PEM of the CA that signed the broker's certificate. */
  readonly ca: Buffer;
  /** "127.0.0.1:<port>" of a listener. */
  address(listener: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL'): string;
  port(listener: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL'): number;
  stop(): Promise<void>;
}

export const PLAIN_USERS: Readonly<Record<string, string>> = { admin: 'admin-secret', alice: 'alice-secret' };

export async function startSecureTestBroker(extraConfig: Record<string, unknown> = {}): Promise<SecureTestBroker> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tributary-client-secure-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...newKey, '-days', '1', '-subj', '/CN=client test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl('req', ...newKey, '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'san.ext', '-out', 'server.pem');
  const jaas = `org.apache.kafka.common.security.plain.PlainLoginModule required ${Object.entries(PLAIN_USERS)
    .map(([u, p]) => `user_${u}="${p}"`)
    .join(' ')};`;
  const broker = await startBroker({
    dataDir: path.join(dir, 'data'),
    logLevel: 'silent',
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.certificate.chain': readFileSync(path.join(dir, 'server.pem'), 'utf8'),
      'ssl.keystore.key': readFileSync(path.join(dir, 'server.key'), 'utf8'),
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': jaas,
      'listener.name.sasl_ssl.plain.sasl.jaas.config': jaas,
      'group.initial.rebalance.delay.ms': 0,
      ...extraConfig,
    },
  });
  const port = (name: string) => broker.listeners.find((l) => l.name === name)!.port;
  return {
    broker,
    ca: readFileSync(path.join(dir, 'ca.pem')),
    port,
    address: (name) => `127.0.0.1:${port(name)}`,
    async stop() {
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
