import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MemoryKeyManagement } from '../../lambdas/adapters/memory/memory-key-management';
import { MemoryObjectStore } from '../../lambdas/adapters/memory/memory-object-store';
import { runtimeCodecs } from '../../lambdas/core/snapshot/codec';
import { type KmsEncryption, kmsContext } from '../../lambdas/core/snapshot/crypto';
import {
  FORMAT_VERSION,
  KEYS,
  KMS_CONFIG_VERSION,
  type RepoConfig,
} from '../../lambdas/core/snapshot/format';
import { Repository } from '../../lambdas/core/snapshot/repository';
import { runVerify } from '../../lambdas/core/snapshot/verify';
import { backupDir, expectLatestRestoresTo, SMALL } from './helpers';

const MARKER = 'KMS-PLAINTEXT-MARKER-51c2';
const ALIAS = 'alias/bulkhead-backup';

let work: string;
let src: string;
beforeAll(async () => {
  work = await fs.mkdtemp(path.join(tmpdir(), 'bulkhead-kms-'));
  src = path.join(work, 'src');
  await fs.mkdir(path.join(src, 'private-dir'), { recursive: true });
  await fs.writeFile(path.join(src, 'private-dir', 'a.txt'), `${MARKER}\n`.repeat(2000));
  await fs.writeFile(path.join(src, 'b.txt'), MARKER);
});
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

function setup() {
  const kms = new MemoryKeyManagement();
  const arn = kms.createKey(ALIAS);
  return { kms, arn, store: new MemoryObjectStore() };
}

const create = (store: MemoryObjectStore, kms: MemoryKeyManagement, kmsKeyId = ALIAS, id = 'repo-1') =>
  Repository.init(store, runtimeCodecs(), { id, nowMs: 0, ...SMALL, kmsKeyId, kms });

async function config(store: MemoryObjectStore): Promise<RepoConfig> {
  return JSON.parse(Buffer.from((await store.get(KEYS.config))?.body ?? []).toString()) as RepoConfig;
}

async function snapshotOf(store: MemoryObjectStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const o of store.list('')) out.set(o.key, o.etag);
  return out;
}

describe('client-side encryption with a KMS data key (envelope encryption)', () => {
  test('GIVEN a repository created with a KMS alias WHEN backed up THEN it opens with KMS alone (no key named), verifies and restores identically', async () => {
    const { kms, arn, store } = setup();
    const repo = await create(store, kms);
    expect(repo.encrypted).toBe(true);
    expect((await backupDir(repo, src)).status).toBe('complete');
    const fresh = await Repository.open(store, runtimeCodecs(), { kms });
    expect((await runVerify(fresh, { readDataPercent: 100 })).problems).toEqual([]);
    await expectLatestRestoresTo(fresh, path.join(work, 'out-1'), src);
    // One GenerateDataKey at init (by the alias), then Decrypts by the resolved key ARN, all bound to the repository.
    expect(kms.calls).toEqual([
      { operation: 'GenerateDataKey', keyId: ALIAS, context: { 'bulkhead:repository': 'repo-1' } },
      { operation: 'Decrypt', keyId: arn, context: { 'bulkhead:repository': 'repo-1' } },
      { operation: 'Decrypt', keyId: arn, context: { 'bulkhead:repository': 'repo-1' } },
      { operation: 'Decrypt', keyId: arn, context: { 'bulkhead:repository': 'repo-1' } },
    ]);
  });

  test('GIVEN a KMS repository THEN its config holds the key ARN and only the encrypted data key, and no stored byte holds the plaintext key or contents', async () => {
    const { kms, arn, store } = setup();
    await backupDir(await create(store, kms), src);
    const c = await config(store);
    expect(c.version).toBe(KMS_CONFIG_VERSION);
    const e = c.encryption as KmsEncryption;
    expect(e).toEqual({ cipher: 'aes-256-gcm', kms: { keyArn: arn, encryptedKey: expect.any(String) } });
    const dataKey = Buffer.from(
      await kms.decrypt(arn, Buffer.from(e.kms.encryptedKey, 'base64'), kmsContext('repo-1')),
    );
    const needles = [dataKey, Buffer.from(dataKey.toString('base64')), Buffer.from(dataKey.toString('hex'))];
    for await (const o of store.list('')) {
      const body = Buffer.from((await store.get(o.key))?.body ?? []);
      for (const n of needles) expect(body.includes(n)).toBe(false);
      expect(body.includes(MARKER)).toBe(false);
      expect(body.includes('private-dir')).toBe(false);
    }
  });

  test('GIVEN a caller with GenerateDataKey but no Decrypt WHEN it creates a repository THEN it fails naming kms:Decrypt and the key, and nothing is written', async () => {
    const { kms, arn, store } = setup();
    kms.deny('Decrypt');
    await expect(create(store, kms)).rejects.toThrow(
      new RegExp(`KMS denied kms:Decrypt on key ${arn}.*needs kms:Decrypt on this key`),
    );
    expect(await snapshotOf(store)).toEqual(new Map());
  });

  test('GIVEN a caller without GenerateDataKey WHEN it creates a repository THEN it fails naming kms:GenerateDataKey and the alias, and nothing is written', async () => {
    const { kms, store } = setup();
    kms.deny('GenerateDataKey');
    await expect(create(store, kms)).rejects.toThrow(
      /KMS denied kms:GenerateDataKey on key alias\/bulkhead-backup/,
    );
    expect(await snapshotOf(store)).toEqual(new Map());
  });

  test('GIVEN a KMS repository with snapshots WHEN opened without kms:Decrypt THEN open and a backup attempt fail clearly, and the repository is unchanged (no lease, no pack, no index)', async () => {
    const { kms, arn, store } = setup();
    await backupDir(await create(store, kms), src);
    const before = await snapshotOf(store);
    kms.deny('Decrypt');
    await expect(Repository.open(store, runtimeCodecs(), { kms })).rejects.toThrow(
      new RegExp(`KMS denied kms:Decrypt on key ${arn}`),
    );
    await expect(create(store, kms, ALIAS, 'another-id')).rejects.toThrow(/kms:Decrypt/);
    expect(await snapshotOf(store)).toEqual(before);
    kms.allow('Decrypt');
    expect((await Repository.open(store, runtimeCodecs(), { kms })).encrypted).toBe(true);
  });

  test.each([
    [
      'a passphrase is given',
      { passphrase: 'pw' },
      /key is in KMS \(key arn:aws:kms:.*\), not a passphrase: unset BULKHEAD_PASSWORD/,
    ],
    ['no KMS client is given', {}, /key is in KMS \(key arn:aws:kms:.*\): no KMS client/],
  ])('GIVEN a KMS repository WHEN opened and %s THEN a clear error', async (_what, keys, message) => {
    const { kms, store } = setup();
    await create(store, kms);
    await expect(Repository.open(store, runtimeCodecs(), keys)).rejects.toThrow(message);
  });

  test('GIVEN the encrypted key of another repository pasted into the config WHEN opened THEN KMS refuses it (the context binds it to its repository)', async () => {
    const { kms, store } = setup();
    await create(store, kms, ALIAS, 'repo-1');
    const other = new MemoryObjectStore();
    await create(other, kms, ALIAS, 'repo-2');
    const c = await config(store);
    const foreign = (await config(other)).encryption as KmsEncryption;
    await store.put(KEYS.config, Buffer.from(JSON.stringify({ ...c, encryption: foreign })));
    await expect(Repository.open(store, runtimeCodecs(), { kms })).rejects.toThrow(
      /could not decrypt the repository key/,
    );
  });

  test.each([
    ['an unencrypted', {}, /its key is absent \(not encrypted\), not KMS key alias\/bulkhead-backup/],
    ['a passphrase', { passphrase: 'pw', encrypt: true }, /its key is a passphrase, not KMS key/],
  ])(
    'GIVEN %s repository WHEN init asks for a KMS key THEN it refuses (a KMS key applies only when creating)',
    async (_what, opts, message) => {
      const { kms, store } = setup();
      await Repository.init(store, runtimeCodecs(), { id: 'old', nowMs: 0, ...SMALL, ...opts });
      await expect(create(store, kms)).rejects.toThrow(message);
    },
  );

  test('GIVEN a KMS repository WHEN init names its key by ARN, key ID or an alias THEN it opens; another key ARN THEN a clear error', async () => {
    const { kms, arn, store } = setup();
    await create(store, kms);
    const keyId = arn.slice(arn.indexOf('key/') + 4);
    for (const asked of [arn, keyId, ALIAS]) expect((await create(store, kms, asked)).encrypted).toBe(true);
    const other = kms.createKey();
    await expect(create(store, kms, other)).rejects.toThrow(
      `the repository is keyed by KMS key ${arn}, not ${other}`,
    );
  });

  test('GIVEN both a KMS key and a passphrase WHEN init THEN it refuses before calling KMS', async () => {
    const { kms, store } = setup();
    await expect(
      Repository.init(store, runtimeCodecs(), { id: 'x', nowMs: 0, kmsKeyId: ALIAS, kms, passphrase: 'pw' }),
    ).rejects.toThrow(/a KMS key or a passphrase .* not both/);
    expect(kms.calls).toEqual([]);
  });

  test('GIVEN repositories made before KMS (unencrypted, passphrase) THEN their configs stay version 1 without a kms field and still open', async () => {
    const plain = new MemoryObjectStore();
    await backupDir(await Repository.init(plain, runtimeCodecs(), { id: 'p', nowMs: 0, ...SMALL }), src);
    const pass = new MemoryObjectStore();
    await backupDir(
      await Repository.init(pass, runtimeCodecs(), {
        id: 'q',
        nowMs: 0,
        ...SMALL,
        passphrase: 'pw',
        encrypt: true,
      }),
      src,
    );
    expect((await config(plain)).version).toBe(FORMAT_VERSION);
    const passConfig = await config(pass);
    expect(passConfig.version).toBe(FORMAT_VERSION);
    expect(Object.keys(passConfig.encryption ?? {}).sort()).toEqual(['cipher', 'kdf', 'wrappedKey']);
    // Opening them with a KMS client at hand (as the CLI always has one) changes nothing.
    const kms = new MemoryKeyManagement();
    await expectLatestRestoresTo(
      await Repository.open(plain, runtimeCodecs(), { kms }),
      path.join(work, 'out-p'),
      src,
    );
    await expectLatestRestoresTo(
      await Repository.open(pass, runtimeCodecs(), { passphrase: 'pw', kms }),
      path.join(work, 'out-q'),
      src,
    );
    expect(kms.calls).toEqual([]);
  });

  test.each([
    ['version 2 without a KMS key', (c: RepoConfig) => ({ ...c, version: KMS_CONFIG_VERSION })],
    ['version 1 with a KMS key', (c: RepoConfig) => ({ ...c, version: FORMAT_VERSION })],
    ['version 3', (c: RepoConfig) => ({ ...c, version: 3 })],
  ])('GIVEN a config of %s WHEN opened THEN the version is refused', async (what, edit) => {
    const { kms, store } = setup();
    if (what.includes('with a KMS key')) await create(store, kms);
    else await Repository.init(store, runtimeCodecs(), { id: 'v', nowMs: 0 });
    await store.put(KEYS.config, Buffer.from(JSON.stringify(edit(await config(store)))));
    await expect(Repository.open(store, runtimeCodecs(), { kms })).rejects.toThrow(
      /format version \d is not supported/,
    );
  });
});
