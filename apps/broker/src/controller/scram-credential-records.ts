import type { ScramCredentialChange, ScramCredentialData } from './metadata-store.js';

/**
 * How the embedded metadata store keeps SCRAM credentials: in memory a map of user → mechanism →
 * credential; in the JSON file the same with salt and keys in base64. Only what Kafka stores
 * (salt, iterations, StoredKey, ServerKey) is ever written; passwords never reach the broker.
 */
export type ScramCredentialMap = ReadonlyMap<string, ReadonlyMap<string, ScramCredentialData>>;

export interface StoredScramCredential {
  salt: string;
  storedKey: string;
  serverKey: string;
  iterations: number;
}

/** The file's shape: user → mechanism name → credential. */
export type StoredScramCredentials = Record<string, Record<string, StoredScramCredential>>;

export function encodeScramCredentials(map: ScramCredentialMap): StoredScramCredentials {
  const out: StoredScramCredentials = {};
  for (const [user, byMechanism] of map) {
    out[user] = {};
    for (const [mechanism, c] of byMechanism) {
      out[user][mechanism] = {
        salt: c.salt.toString('base64'),
        storedKey: c.storedKey.toString('base64'),
        serverKey: c.serverKey.toString('base64'),
        iterations: c.iterations,
      };
    }
  }
  return out;
}

export function decodeScramCredentials(stored: StoredScramCredentials): ScramCredentialMap {
  const out = new Map<string, ReadonlyMap<string, ScramCredentialData>>();
  for (const [user, byMechanism] of Object.entries(stored)) {
    const m = new Map<string, ScramCredentialData>();
    for (const [mechanism, c] of Object.entries(byMechanism)) {
      m.set(
        mechanism,
        Object.freeze({
          salt: Buffer.from(c.salt, 'base64'),
          storedKey: Buffer.from(c.storedKey, 'base64'),
          serverKey: Buffer.from(c.serverKey, 'base64'),
          iterations: c.iterations,
        }),
      );
    }
    if (m.size > 0) out.set(user, m);
  }
  return out;
}

/** The map after the changes; a user left without credentials disappears. */
export function withScramChanges(map: ScramCredentialMap, changes: readonly ScramCredentialChange[]): ScramCredentialMap {
  const next = new Map(map);
  for (const { user, mechanism, credential } of changes) {
    const byMechanism = new Map(next.get(user) ?? []);
    if (credential === null) byMechanism.delete(mechanism);
    else byMechanism.set(mechanism, Object.freeze({ ...credential, salt: Buffer.from(credential.salt), storedKey: Buffer.from(credential.storedKey), serverKey: Buffer.from(credential.serverKey) }));
    if (byMechanism.size === 0) next.delete(user);
    else next.set(user, byMechanism);
  }
  return next;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function isStoredScramCredentials(v: unknown): v is StoredScramCredentials {
  const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  return (
    isObject(v) &&
    Object.values(v).every(
      (byMechanism) =>
        isObject(byMechanism) &&
        Object.values(byMechanism).every(
          (c) =>
            isObject(c) &&
            typeof c.salt === 'string' &&
            BASE64.test(c.salt) &&
            typeof c.storedKey === 'string' &&
            BASE64.test(c.storedKey) &&
            typeof c.serverKey === 'string' &&
            BASE64.test(c.serverKey) &&
            Number.isInteger(c.iterations),
        ),
    )
  );
}
