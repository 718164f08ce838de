import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';

/**
 * The SCRAM formulas of RFC 5802 §3 for Kafka's two mechanisms (ScramFormatter.java):
 *   SaltedPassword = Hi(password, salt, i)          (PBKDF2 with HMAC)
 *   ClientKey = HMAC(SaltedPassword, "Client Key"),  StoredKey = H(ClientKey)
 *   ServerKey = HMAC(SaltedPassword, "Server Key")
 *   ClientSignature = HMAC(StoredKey, AuthMessage),  ClientProof = ClientKey XOR ClientSignature
 *   ServerSignature = HMAC(ServerKey, AuthMessage)
 * The broker keeps only salt, iterations, StoredKey and ServerKey: enough to verify a proof and to
 * prove itself, never enough to log in as the user.
 */

export type ScramMechanismName = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export interface ScramMechanism {
  readonly name: ScramMechanismName;
  /** Kafka's ScramMechanism type byte, used by Describe/AlterUserScramCredentials. */
  readonly type: 1 | 2;
  readonly digest: 'sha256' | 'sha512';
  /** Digest length in bytes: the length of every key and proof. */
  readonly keyLength: number;
  /** Kafka refuses fewer iterations (ScramMechanism.minIterations) and more (ScramControlManager.MAX_ITERATIONS). */
  readonly minIterations: number;
  readonly maxIterations: number;
}

export const SCRAM_SHA_256: ScramMechanism = Object.freeze({
  name: 'SCRAM-SHA-256',
  type: 1,
  digest: 'sha256',
  keyLength: 32,
  minIterations: 4096,
  maxIterations: 16384,
});

export const SCRAM_SHA_512: ScramMechanism = Object.freeze({
  name: 'SCRAM-SHA-512',
  type: 2,
  digest: 'sha512',
  keyLength: 64,
  minIterations: 4096,
  maxIterations: 16384,
});

export const SCRAM_MECHANISMS: readonly ScramMechanism[] = [SCRAM_SHA_256, SCRAM_SHA_512];

export function scramMechanismByName(name: string): ScramMechanism | undefined {
  return SCRAM_MECHANISMS.find((m) => m.name === name);
}

export function scramMechanismByType(type: number): ScramMechanism | undefined {
  return SCRAM_MECHANISMS.find((m) => m.type === type);
}

/** What the broker stores per user and mechanism (Kafka's ScramCredential). */
export interface ScramCredential {
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
  readonly iterations: number;
}

export function hmac(m: ScramMechanism, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(m.digest, key).update(data).digest();
}

export function hash(m: ScramMechanism, data: Buffer): Buffer {
  return createHash(m.digest).update(data).digest();
}

export function xor(a: Buffer, b: Buffer): Buffer {
  if (a.length !== b.length) throw new Error(`xor of ${a.length} and ${b.length} bytes (a caller bug: lengths are checked first)`);
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** Hi(password, salt, i): what a client (or an admin tool) computes; the broker never needs it. */
export function saltedPassword(m: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, m.keyLength, m.digest);
}

/**
 * The stored credential for a salted password, as AlterUserScramCredentials receives it (the
 * client sends Hi(password, salt, i), never the password).
 */
export function credentialFromSaltedPassword(m: ScramMechanism, salt: Buffer, salted: Buffer, iterations: number): ScramCredential {
  const clientKey = hmac(m, salted, 'Client Key');
  return {
    salt: Buffer.from(salt),
    storedKey: hash(m, clientKey),
    serverKey: hmac(m, salted, 'Server Key'),
    iterations,
  };
}
