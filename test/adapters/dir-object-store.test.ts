import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DirObjectStore } from '../../lambdas/adapters/local/dir-object-store';
import { MemoryObjectStore } from '../../lambdas/adapters/memory/memory-object-store';
import { objectStoreContract } from './object-store-contract';

objectStoreContract('DirObjectStore', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'bulkhead-dir-'));
  return { store: new DirObjectStore(root), done: () => rm(root, { recursive: true, force: true }) };
});

objectStoreContract('MemoryObjectStore', async () => ({ store: new MemoryObjectStore() }));

describe('DirObjectStore specifics', () => {
  test('GIVEN a key with .. or a hidden part WHEN used THEN it is refused with the key in the message', async () => {
    const store = new DirObjectStore('/nonexistent');
    await expect(store.get('../etc/passwd')).rejects.toThrow(/"..\/etc\/passwd"/);
    await expect(store.put('a/.tmp-x', new Uint8Array())).rejects.toThrow(/invalid object key/);
  });

  test('GIVEN writes WHEN done THEN no temp or lock files are left behind', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'bulkhead-dir-'));
    const store = new DirObjectStore(root);
    const a = await store.put('d/x', new Uint8Array([1]));
    await store.put('d/x', new Uint8Array([2]), { ifMatch: a.etag });
    await store.put('d/y', new Uint8Array([3]), { ifNoneMatch: '*' });
    expect((await readdir(path.join(root, 'd'))).sort()).toEqual(['x', 'y']);
    await rm(root, { recursive: true, force: true });
  });
});
