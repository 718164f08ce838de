import { randomBytes } from 'node:crypto';
import { ApiKey, decodeResponse, type RequestByKey, type ResponseByKey } from '@tributary/protocol';
import type { RawClient } from '../../test-support/raw-client.js';
import { hash, hmac, saltedPassword, scramMechanismByName, xor } from '../sasl/scram-crypto.js';

let correlation = 1000;

/** Sends one request on a raw connection and decodes the next frame as its response. */
export async function call<K extends ApiKey>(client: RawClient, apiKey: K, version: number, body: RequestByKey[K]): Promise<ResponseByKey[K]> {
  const corr = correlation++;
  client.send(apiKey, version, corr, body);
  const { header, body: response } = decodeResponse(apiKey, version, await client.next());
  if (header.correlationId !== corr) throw new Error(`response to correlation id ${header.correlationId}, expected ${corr}`);
  return response;
}

/** A PLAIN token: authzid NUL user NUL password. */
export function plainToken(user: string, password: string, authzid = ''): Buffer {
  return Buffer.from(`${authzid}\0${user}\0${password}`, 'utf8');
}

/** ApiVersions v3 (what librdkafka sends first). */
export function apiVersions(client: RawClient) {
  return call(client, ApiKey.ApiVersions, 3, { clientSoftwareName: 'raw-test', clientSoftwareVersion: '1.0' });
}

/** SaslHandshake then SaslAuthenticate v1 with one PLAIN token; returns the SaslAuthenticate response. */
export async function plainLogin(client: RawClient, user: string, password: string, authenticateVersion = 1) {
  const hs = await call(client, ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
  if (hs.errorCode !== 0) throw new Error(`handshake failed: ${hs.errorCode}`);
  return call(client, ApiKey.SaslAuthenticate, authenticateVersion, { authBytes: plainToken(user, password) });
}

/** An AlterUserScramCredentials upsertion for a password (the client salts and hashes, as the Java AdminClient does). */
export function scramUpsertion(name: string, mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', password: string, iterations = 4096) {
  const m = scramMechanismByName(mechanism)!;
  const salt = Buffer.from(`salt-of-${name}-${mechanism}`);
  return { name, mechanism: m.type, iterations, salt, saltedPassword: saltedPassword(m, password, salt, iterations) };
}

/** Creates SCRAM users over a connection that may send requests (PLAINTEXT, or authenticated). */
export async function createScramUsers(
  client: RawClient,
  users: ReadonlyArray<{ name: string; password: string; mechanisms?: ReadonlyArray<'SCRAM-SHA-256' | 'SCRAM-SHA-512'> }>,
): Promise<void> {
  const upsertions = users.flatMap((u) => (u.mechanisms ?? ['SCRAM-SHA-256', 'SCRAM-SHA-512']).map((m) => scramUpsertion(u.name, m, u.password)));
  const r = await call(client, ApiKey.AlterUserScramCredentials, 0, { deletions: [], upsertions });
  const failed = r.results.filter((x) => x.errorCode !== 0);
  if (failed.length > 0) throw new Error(`AlterUserScramCredentials failed: ${JSON.stringify(failed)}`);
}

/**
 * A whole SCRAM login over SaslHandshake v1 + SaslAuthenticate, the client side written with the
 * RFC 5802 formulas. Returns the last SaslAuthenticate response (error or success) and whether the
 * server's signature verified.
 */
export async function scramLogin(client: RawClient, mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', user: string, password: string) {
  const m = scramMechanismByName(mechanism)!;
  const hs = await call(client, ApiKey.SaslHandshake, 1, { mechanism });
  if (hs.errorCode !== 0) throw new Error(`handshake failed: ${hs.errorCode}`);
  const bare = `n=${user},r=${randomBytes(12).toString('base64url')}`;
  const first = await call(client, ApiKey.SaslAuthenticate, 1, { authBytes: Buffer.from(`n,,${bare}`) });
  if (first.errorCode !== 0) return { response: first, serverVerified: false };
  const serverFirst = first.authBytes.toString();
  const attrs = Object.fromEntries(serverFirst.split(',').map((p) => [p[0], p.slice(2)]));
  const salted = saltedPassword(m, password, Buffer.from(attrs.s!, 'base64'), Number(attrs.i));
  const clientKey = hmac(m, salted, 'Client Key');
  const withoutProof = `c=biws,r=${attrs.r}`;
  const authMessage = `${bare},${serverFirst},${withoutProof}`;
  const proof = xor(clientKey, hmac(m, hash(m, clientKey), authMessage));
  const final = await call(client, ApiKey.SaslAuthenticate, 1, { authBytes: Buffer.from(`${withoutProof},p=${proof.toString('base64')}`) });
  const expected = `v=${hmac(m, hmac(m, salted, 'Server Key'), authMessage).toString('base64')}`;
  return { response: final, serverVerified: final.errorCode === 0 && final.authBytes.toString() === expected };
}
