import {
  ErrorCode,
  type AlterUserScramCredentialsRequest,
  type AlterUserScramCredentialsResponse,
  type AlterUserScramCredentialsResponseAlterUserScramCredentialsResult,
  type DescribeUserScramCredentialsRequest,
  type DescribeUserScramCredentialsResponse,
  type DescribeUserScramCredentialsResponseDescribeUserScramCredentialsResult,
} from '@tributary/protocol';
import type { MetadataStore, ScramCredentialChange } from '../controller/metadata-store.js';
import { credentialFromSaltedPassword, SCRAM_MECHANISMS, scramMechanismByType, type ScramCredential, type ScramMechanism } from './sasl/scram-crypto.js';
import type { ScramCredentialLookup } from './sasl/scram-server.js';

type DescribeResult = DescribeUserScramCredentialsResponseDescribeUserScramCredentialsResult;
type AlterResult = AlterUserScramCredentialsResponseAlterUserScramCredentialsResult;

/** The credential lookup the SCRAM server uses, over the metadata store. */
export function scramCredentialLookup(store: MetadataStore): ScramCredentialLookup {
  return async (user: string, mechanism: ScramMechanism): Promise<ScramCredential | undefined> =>
    (await store.scramCredentials()).get(user)?.get(mechanism.name);
}

/**
 * DescribeUserScramCredentials (key 50), as Kafka's ScramImage.describe: every user with a
 * credential when no users are named (sorted by name), else one result per distinct name asked for,
 * in request order: the mechanisms and iteration counts it has, RESOURCE_NOT_FOUND when it has none,
 * DUPLICATE_RESOURCE when it was named twice. Salts and keys are never returned.
 */
export async function describeUserScramCredentials(
  store: MetadataStore,
  request: DescribeUserScramCredentialsRequest,
): Promise<DescribeUserScramCredentialsResponse> {
  const all = await store.scramCredentials();
  const describe = (user: string): DescribeResult => {
    const byMechanism = all.get(user);
    const credentialInfos = SCRAM_MECHANISMS.flatMap((m) => {
      const c = byMechanism?.get(m.name);
      return c ? [{ mechanism: m.type, iterations: c.iterations }] : [];
    });
    if (credentialInfos.length === 0) {
      return { user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: `Attempt to describe a user credential that does not exist: ${user}`, credentialInfos: [] };
    }
    return { user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos };
  };
  let results: DescribeResult[];
  if (request.users === null || request.users.length === 0) {
    results = [...all.keys()].sort().map(describe);
  } else {
    const counts = new Map<string, number>();
    for (const u of request.users) counts.set(u.name, (counts.get(u.name) ?? 0) + 1);
    results = [...counts].map(([user, n]) =>
      n > 1
        ? {
            user,
            errorCode: ErrorCode.DUPLICATE_RESOURCE,
            errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`,
            credentialInfos: [],
          }
        : describe(user),
    );
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results };
}

/**
 * AlterUserScramCredentials (key 51): upserts carry Hi(password, salt, iterations) — the client
 * salts and hashes, the password never travels — and the broker keeps the salt, the iteration count,
 * StoredKey and ServerKey. Validation and answers follow Kafka (ZkAdminManager): one result per
 * user; an empty name or an iteration count outside 4096–16384 is UNACCEPTABLE_CREDENTIAL, an
 * unknown mechanism UNSUPPORTED_SASL_MECHANISM, the same user and mechanism twice
 * DUPLICATE_RESOURCE, deleting a credential that does not exist RESOURCE_NOT_FOUND. Beyond Kafka, a
 * salted password of the wrong length for its hash, or an empty salt, is UNACCEPTABLE_CREDENTIAL
 * (such a credential could never verify). Users without errors are changed together, persisted
 * before the response.
 */
export async function alterUserScramCredentials(
  store: MetadataStore,
  request: AlterUserScramCredentialsRequest,
): Promise<AlterUserScramCredentialsResponse> {
  const failed = new Map<string, { errorCode: number; errorMessage: string }>();
  const fail = (user: string, errorCode: number, errorMessage: string) => {
    if (!failed.has(user)) failed.set(user, { errorCode, errorMessage });
  };
  const ops: Array<{ user: string; mechanism: ScramMechanism; credential: ScramCredential | null }> = [];

  for (const d of request.deletions) {
    const mechanism = scramMechanismByType(d.mechanism);
    if (d.name === '') fail(d.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
    else if (!mechanism) fail(d.name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism');
    else ops.push({ user: d.name, mechanism, credential: null });
  }
  for (const u of request.upsertions) {
    const mechanism = scramMechanismByType(u.mechanism);
    if (u.name === '') fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
    else if (!mechanism) fail(u.name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism');
    else if (u.iterations < mechanism.minIterations) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too few iterations');
    else if (u.iterations > mechanism.maxIterations) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too many iterations');
    else if (u.salt.length === 0) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Salt must not be empty');
    else if (u.saltedPassword.length !== mechanism.keyLength) {
      fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, `Salted password must be ${mechanism.keyLength} bytes for ${mechanism.name}`);
    } else ops.push({ user: u.name, mechanism, credential: credentialFromSaltedPassword(mechanism, u.salt, u.saltedPassword, u.iterations) });
  }

  const seen = new Set<string>();
  for (const op of ops) {
    const k = `${op.user}\0${op.mechanism.name}`;
    if (seen.has(k)) fail(op.user, ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request');
    seen.add(k);
  }
  const existing = await store.scramCredentials();
  for (const op of ops) {
    if (op.credential === null && !failed.has(op.user) && !existing.get(op.user)?.has(op.mechanism.name)) {
      fail(op.user, ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist');
    }
  }

  const changes: ScramCredentialChange[] = ops
    .filter((op) => !failed.has(op.user))
    .map((op) => ({ user: op.user, mechanism: op.mechanism.name, credential: op.credential }));
  const changedUsers = [...new Set(changes.map((c) => c.user))];
  const results: AlterResult[] = [...failed].map(([user, e]) => ({ user, errorCode: e.errorCode, errorMessage: e.errorMessage }));
  if (changes.length > 0) {
    try {
      await store.alterScramCredentials(changes);
      results.push(...changedUsers.map((user) => ({ user, errorCode: ErrorCode.NONE, errorMessage: null })));
    } catch (err) {
      const message = `Error altering user SCRAM credentials: ${(err as Error).message}`;
      results.push(...changedUsers.map((user) => ({ user, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: message })));
    }
  }
  return { throttleTimeMs: 0, results };
}

