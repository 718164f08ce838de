import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, type AlterUserScramCredentialsRequest } from '@tributary/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedMetadataStore, METADATA_FILE } from '../controller/embedded-metadata-store.js';
import { tempDir } from '../test-support/test-env.js';
import { alterUserScramCredentials, describeUserScramCredentials, scramCredentialLookup } from './scram-credential-admin.js';
import { credentialFromSaltedPassword, saltedPassword, SCRAM_SHA_256, SCRAM_SHA_512, type ScramMechanism } from './sasl/scram-crypto.js';

let dir: string;
let cleanup: () => Promise<void>;
let store: EmbeddedMetadataStore;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  store = await EmbeddedMetadataStore.open({ dir, nodeId: 1, clusterId: null });
});
afterEach(async () => {
  await store.close();
  await cleanup();
});

const salt = Buffer.from('0123456789abcdef');
function upsert(name: string, m: ScramMechanism, password: string, iterations = 4096) {
  return { name, mechanism: m.type, iterations, salt, saltedPassword: saltedPassword(m, password, salt, iterations) };
}
const alter = (req: Partial<AlterUserScramCredentialsRequest>) => alterUserScramCredentials(store, { deletions: [], upsertions: [], ...req });
const byUser = (results: Array<{ user: string; errorCode: number; errorMessage: string | null }>) =>
  Object.fromEntries(results.map((r) => [r.user, [r.errorCode, r.errorMessage]]));

describe('AlterUserScramCredentials', () => {
  it('stores salt, iterations, StoredKey and ServerKey (never the password) and survives a restart', async () => {
    const r = await alter({ upsertions: [upsert('alice', SCRAM_SHA_256, 'alice-pw', 8192), upsert('alice', SCRAM_SHA_512, 'alice-pw')] });
    expect(r.results).toEqual([{ user: 'alice', errorCode: ErrorCode.NONE, errorMessage: null }]);
    const expected = credentialFromSaltedPassword(SCRAM_SHA_256, salt, saltedPassword(SCRAM_SHA_256, 'alice-pw', salt, 8192), 8192);
    expect(await scramCredentialLookup(store)('alice', SCRAM_SHA_256)).toEqual(expected);

    await store.close();
    const file = await readFile(join(dir, METADATA_FILE), 'utf8');
    expect(file).not.toContain('alice-pw');
    expect(file).not.toContain(saltedPassword(SCRAM_SHA_256, 'alice-pw', salt, 8192).toString('base64'));
    store = await EmbeddedMetadataStore.open({ dir, nodeId: 1, clusterId: null });
    expect(await scramCredentialLookup(store)('alice', SCRAM_SHA_256)).toEqual(expected);
    expect((await scramCredentialLookup(store)('alice', SCRAM_SHA_512))?.iterations).toBe(4096);
  });

  it('refuses to start from a metadata file whose credentials are damaged, rather than lose them', async () => {
    await alter({ upsertions: [upsert('zoe', SCRAM_SHA_256, 'x')] });
    await store.close();
    const path = join(dir, METADATA_FILE);
    const state = JSON.parse(await readFile(path, 'utf8')) as { scramCredentials: Record<string, Record<string, { storedKey: unknown }>> };
    state.scramCredentials.zoe!['SCRAM-SHA-256']!.storedKey = 42;
    await writeFile(path, JSON.stringify(state));
    await expect(EmbeddedMetadataStore.open({ dir, nodeId: 1, clusterId: null })).rejects.toThrow(/not a valid Tributary metadata file/);
    store = await EmbeddedMetadataStore.open({ dir: join(dir, 'fresh'), nodeId: 1, clusterId: null });
  });

  it("validates each user as Kafka does and applies the valid ones", async () => {
    await alter({ upsertions: [upsert('carol', SCRAM_SHA_256, 'x')] });
    const r = await alter({
      upsertions: [
        upsert('', SCRAM_SHA_256, 'x'),
        upsert('few', SCRAM_SHA_256, 'x', 4095),
        upsert('many', SCRAM_SHA_512, 'x', 16385),
        { ...upsert('mech', SCRAM_SHA_256, 'x'), mechanism: 0 },
        upsert('dup', SCRAM_SHA_256, 'x'),
        upsert('dup', SCRAM_SHA_256, 'y'),
        { ...upsert('short', SCRAM_SHA_512, 'x'), saltedPassword: Buffer.alloc(32) },
        { ...upsert('nosalt', SCRAM_SHA_256, 'x'), salt: Buffer.alloc(0) },
        upsert('dave', SCRAM_SHA_512, 'dave-pw'),
      ],
      deletions: [
        { name: 'ghost', mechanism: SCRAM_SHA_256.type },
        { name: 'carol', mechanism: SCRAM_SHA_512.type },
        { name: 'mechdel', mechanism: 3 },
      ],
    });
    expect(byUser(r.results)).toEqual({
      '': [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty'],
      few: [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too few iterations'],
      many: [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too many iterations'],
      mech: [ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism'],
      mechdel: [ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism'],
      dup: [ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request'],
      short: [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Salted password must be 64 bytes for SCRAM-SHA-512'],
      nosalt: [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Salt must not be empty'],
      ghost: [ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist'],
      carol: [ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist'],
      dave: [ErrorCode.NONE, null],
    });
    const all = await store.scramCredentials();
    expect([...all.keys()].sort()).toEqual(['carol', 'dave']);
  });

  it('deletes credentials, and a user with none left disappears', async () => {
    await alter({ upsertions: [upsert('erin', SCRAM_SHA_256, 'x'), upsert('erin', SCRAM_SHA_512, 'x')] });
    expect((await alter({ deletions: [{ name: 'erin', mechanism: SCRAM_SHA_256.type }] })).results[0]!.errorCode).toBe(ErrorCode.NONE);
    expect([...(await store.scramCredentials()).get('erin')!.keys()]).toEqual(['SCRAM-SHA-512']);
    await alter({ deletions: [{ name: 'erin', mechanism: SCRAM_SHA_512.type }] });
    expect((await store.scramCredentials()).has('erin')).toBe(false);
  });
});

describe('DescribeUserScramCredentials', () => {
  beforeEach(async () => {
    await alter({ upsertions: [upsert('bob', SCRAM_SHA_512, 'x', 5000), upsert('alice', SCRAM_SHA_256, 'x'), upsert('alice', SCRAM_SHA_512, 'x', 4200)] });
  });

  it('lists every user, sorted, with mechanisms and iterations only', async () => {
    for (const users of [null, []]) {
      const r = await describeUserScramCredentials(store, { users });
      expect(r.errorCode).toBe(ErrorCode.NONE);
      expect(r.results).toEqual([
        { user: 'alice', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 1, iterations: 4096 }, { mechanism: 2, iterations: 4200 }] },
        { user: 'bob', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 2, iterations: 5000 }] },
      ]);
    }
  });

  it('answers named users in order, with RESOURCE_NOT_FOUND and DUPLICATE_RESOURCE as Kafka does', async () => {
    const r = await describeUserScramCredentials(store, { users: [{ name: 'bob' }, { name: 'zed' }, { name: 'alice' }, { name: 'bob' }] });
    expect(r.results.map((x) => [x.user, x.errorCode, x.errorMessage])).toEqual([
      ['bob', ErrorCode.DUPLICATE_RESOURCE, 'Cannot describe SCRAM credentials for the same user twice in a single request: bob'],
      ['zed', ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to describe a user credential that does not exist: zed'],
      ['alice', ErrorCode.NONE, null],
    ]);
  });
});
