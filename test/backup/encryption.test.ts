import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MemoryObjectStore } from '../../lambdas/adapters/memory/memory-object-store';
import { runtimeCodecs } from '../../lambdas/core/snapshot/codec';
import { KEYS } from '../../lambdas/core/snapshot/format';
import { Repository } from '../../lambdas/core/snapshot/repository';
import { runVerify } from '../../lambdas/core/snapshot/verify';
import { backupDir, expectLatestRestoresTo, SMALL } from './helpers';

const SECRET = 'correct horse battery staple';
const MARKER = 'PLAINTEXT-MARKER-7f3a';

let work: string;
let src: string;
beforeAll(async () => {
  work = await fs.mkdtemp(path.join(tmpdir(), 'bulkhead-enc-'));
  src = path.join(work, 'src');
  await fs.mkdir(path.join(src, 'secret-dir-name'), { recursive: true });
  await fs.writeFile(path.join(src, 'secret-dir-name', 'notes.txt'), `${MARKER}\n`.repeat(3000));
  await fs.writeFile(path.join(src, 'small.txt'), MARKER);
});
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

const open = (store: MemoryObjectStore, passphrase?: string, encrypt = true) =>
  Repository.init(store, runtimeCodecs(), { id: 'e', nowMs: 0, ...SMALL, passphrase, encrypt });

async function allBytes(store: MemoryObjectStore): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const o of store.list('')) {
    if (o.key === KEYS.config) continue;
    parts.push(Buffer.from((await store.get(o.key))?.body ?? []));
  }
  return Buffer.concat(parts);
}

describe('client-side encryption (AES-256-GCM, scrypt passphrase)', () => {
  test('GIVEN an encrypted repository WHEN backed up THEN it restores identically and verify reading all data is clean', async () => {
    const store = new MemoryObjectStore();
    const repo = await open(store, SECRET);
    expect(repo.encrypted).toBe(true);
    const r = await backupDir(repo, src);
    expect(r.status).toBe('complete');
    const fresh = await Repository.open(store, runtimeCodecs(), { passphrase: SECRET });
    expect((await runVerify(fresh, { readDataPercent: 100 })).problems).toEqual([]);
    await expectLatestRestoresTo(fresh, path.join(work, 'out'), src);
  });

  test('GIVEN an encrypted repository THEN no stored object reveals contents, names or content hashes', async () => {
    const store = new MemoryObjectStore();
    await backupDir(await open(store, SECRET), src);
    const bytes = await allBytes(store);
    expect(bytes.includes(MARKER)).toBe(false);
    expect(bytes.includes('secret-dir-name')).toBe(false);
    const contentId = createHash('sha256').update(MARKER).digest('hex'); // small.txt is one blob
    expect(bytes.includes(contentId)).toBe(false);
    // The same backup unencrypted does show them: the checks above can fail.
    const plain = new MemoryObjectStore();
    await backupDir(await open(plain, undefined, false), src);
    const plainBytes = await allBytes(plain);
    expect(plainBytes.includes('secret-dir-name') || plainBytes.includes(contentId)).toBe(true);
  });

  test('GIVEN an encrypted repository WHEN opened without or with a wrong passphrase THEN a clear error', async () => {
    const store = new MemoryObjectStore();
    await open(store, SECRET);
    await expect(Repository.open(store, runtimeCodecs())).rejects.toThrow(/encrypted: give its passphrase/);
    await expect(Repository.open(store, runtimeCodecs(), { passphrase: 'wrong' })).rejects.toThrow(
      /wrong passphrase/,
    );
  });

  test('GIVEN a flipped byte in an encrypted pack WHEN verify --read-data 100 THEN the blob fails authentication and is named', async () => {
    const store = new MemoryObjectStore();
    const r = await backupDir(await open(store, SECRET), src);
    if (r.status !== 'complete') throw new Error('backup did not complete');
    const repo = await Repository.open(store, runtimeCodecs(), { passphrase: SECRET });
    const tree = await repo.readTree((await repo.findSnapshot('latest')).manifest.tree);
    const loc = repo.blobs.get(tree.find((n) => n.path === 'small.txt')?.content?.[0] ?? '');
    if (!loc) throw new Error('small.txt has no blob');
    const body = (await store.get(KEYS.pack(loc.pack)))?.body;
    if (!body) throw new Error('pack missing');
    body[loc.entry.offset + 20] ^= 1;
    await store.put(KEYS.pack(loc.pack), body);
    const report = await runVerify(await Repository.open(store, runtimeCodecs(), { passphrase: SECRET }), {
      readDataPercent: 100,
    });
    const bad = report.problems.find((p) => p.kind === 'blob-corrupt');
    expect(bad?.files).toContain(`${r.snapshotId.slice(0, 12)}:small.txt`);
  });

  test('GIVEN encrypted packs no index names (a killed run) WHEN the next backup starts THEN their sealed headers are read and reused', async () => {
    const store = new MemoryObjectStore();
    await backupDir(await open(store, SECRET), src);
    for await (const o of store.list(KEYS.indexPrefix)) await store.delete(o.key);
    for await (const o of store.list(KEYS.snapshotPrefix)) await store.delete(o.key);
    const again = await backupDir(await open(store, SECRET), src);
    expect(again.recoveredPacks).toBeGreaterThan(0);
    expect(again.stats.blobsAdded).toBe(0);
  });
});
