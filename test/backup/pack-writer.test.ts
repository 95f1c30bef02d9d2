import { createHash } from 'node:crypto';
import { MemoryObjectStore } from '../../lambdas/adapters/memory/memory-object-store';
import { KEYS } from '../../lambdas/core/snapshot/format';
import { PackWriter } from '../../lambdas/core/snapshot/pack-writer';
import { runVerify } from '../../lambdas/core/snapshot/verify';
import type { PutOptions } from '../../lambdas/ports/object-store';
import { prng, randomBytes } from '../seeded-random';
import { smallRepo } from './helpers';

/** A store whose puts settle a few milliseconds later, and which checks the body did not change meanwhile. */
class SlowStore extends MemoryObjectStore {
  readonly buffers = new Set<ArrayBufferLike>();
  changedWhileUploading = 0;
  packPuts = 0;

  override async put(key: string, body: Uint8Array, options?: PutOptions): Promise<{ etag: string }> {
    if (key.startsWith('data/')) {
      this.packPuts++;
      this.buffers.add(body.buffer);
    }
    const atCall = new Uint8Array(body);
    await new Promise((resolve) => setTimeout(resolve, 3));
    if (!Buffer.from(body).equals(Buffer.from(atCall))) this.changedWhileUploading++;
    return super.put(key, body, options);
  }
}

describe('PackWriter', () => {
  test('GIVEN many packs and slow uploads WHEN blobs are added THEN a pack buffer is reused only after its upload settled, and every pack ID is the SHA-256 of its bytes', async () => {
    const store = new SlowStore();
    const repo = await smallRepo(store);
    const writer = new PackWriter(repo, 64 * 1024, 2);
    const rand = prng(11);
    for (let i = 0; i < 1000; i++) {
      const raw = randomBytes(rand, 1000 + Math.floor(rand() * 3000));
      const id = createHash('sha256').update(raw).digest('hex');
      if (writer.claim(id)) await writer.add(id, 'data', raw);
    }
    await writer.writeIndex();

    expect(store.packPuts).toBeGreaterThan(20);
    expect(store.changedWhileUploading).toBe(0);
    // Two uploads in flight and up to three spares: every other pack reused a buffer.
    expect(store.buffers.size).toBeLessThanOrEqual(5);
    for await (const o of store.list('data/')) {
      const stored = await store.get(o.key);
      expect(
        KEYS.pack(
          createHash('sha256')
            .update(stored?.body ?? new Uint8Array())
            .digest('hex'),
        ),
      ).toBe(o.key);
    }
    expect((await runVerify(repo, { readDataPercent: 100 })).problems).toEqual([]);
  });
});
