import { MemoryObjectStore } from '../lambdas/adapters/memory/memory-object-store';
import { acquireLease, releaseLease, renewLease } from '../lambdas/core/lease';

describe('lease', () => {
  test('GIVEN a live lease WHEN another holder asks THEN it is refused until the TTL passes', async () => {
    const store = new MemoryObjectStore();
    const first = await acquireLease(store, 'locks/x', 'a', 1000, 0);
    expect(first.ok).toBe(true);
    const second = await acquireLease(store, 'locks/x', 'b', 1000, 500);
    expect(second).toEqual({ ok: false, heldBy: { holder: 'a', acquiredAtMs: 0, expiresAtMs: 1000 } });
    const third = await acquireLease(store, 'locks/x', 'b', 1000, 1000);
    expect(third.ok).toBe(true);
  });

  test('GIVEN a lease taken over WHEN the old holder renews THEN the renewal fails', async () => {
    const store = new MemoryObjectStore();
    const a = await acquireLease(store, 'k', 'a', 10, 0);
    if (!a.ok) throw new Error('expected lease');
    await acquireLease(store, 'k', 'b', 10, 20);
    await expect(renewLease(store, a.lease, 10, 21)).rejects.toThrow(/precondition failed/);
    await releaseLease(store, a.lease);
    expect(await store.head('k')).toBeDefined();
  });
});
