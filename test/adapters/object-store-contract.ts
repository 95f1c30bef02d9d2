import { type ObjectStore, PreconditionFailedError } from '../../lambdas/ports/object-store';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Behaviour every ObjectStore backend must share; `conditional: false` for servers without it (s3rver). */
export function objectStoreContract(
  name: string,
  make: () => Promise<{ store: ObjectStore; done?: () => Promise<void> }>,
  opts: { conditional: boolean } = { conditional: true },
): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let store: ObjectStore;
    let done: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ store, done } = await make());
    });
    afterAll(async () => {
      await done?.();
    });

    test('GIVEN a missing key WHEN read THEN get/head say undefined and getRange throws not-found', async () => {
      expect(await store.get('nope/x')).toBeUndefined();
      expect(await store.head('nope/x')).toBeUndefined();
      await expect(store.getRange('nope/x', 0, 1)).rejects.toThrow(/not found/);
      await expect(store.delete('nope/x')).resolves.toBeUndefined();
    });

    test('GIVEN an object WHEN read whole, by range and by head THEN bytes and sizes agree', async () => {
      const body = enc.encode('0123456789abcdef');
      const { etag } = await store.put('a/b/obj', body);
      const got = await store.get('a/b/obj');
      expect(dec.decode(got?.body)).toBe('0123456789abcdef');
      expect(got?.etag).toBe(etag);
      expect(dec.decode(await store.getRange('a/b/obj', 3, 7))).toBe('3456');
      const info = await store.head('a/b/obj');
      expect(info).toMatchObject({ key: 'a/b/obj', size: 16, etag });
    });

    test('GIVEN many keys WHEN listed by prefix THEN all and only matching keys come, sorted', async () => {
      const keys = Array.from({ length: 25 }, (_, i) => `list/k${String(i).padStart(3, '0')}`);
      for (const k of [...keys].reverse()) await store.put(k, enc.encode(k));
      await store.put('listother/z', enc.encode('z'));
      const seen: string[] = [];
      for await (const o of store.list('list/')) seen.push(o.key);
      expect(seen).toEqual(keys);
      await store.delete('list/k000');
      const after: string[] = [];
      for await (const o of store.list('list/k00')) after.push(o.key);
      expect(after).toEqual(keys.slice(1, 10));
    });

    if (opts.conditional) {
      test('GIVEN an existing key WHEN put with If-None-Match THEN PreconditionFailedError', async () => {
        await store.put('cond/new', enc.encode('1'), { ifNoneMatch: '*' });
        await expect(store.put('cond/new', enc.encode('2'), { ifNoneMatch: '*' })).rejects.toBeInstanceOf(
          PreconditionFailedError,
        );
        expect(dec.decode((await store.get('cond/new'))?.body)).toBe('1');
      });

      test('GIVEN a changed object WHEN put with a stale If-Match THEN it fails and a fresh one wins', async () => {
        const first = await store.put('cond/m', enc.encode('v1'));
        const second = await store.put('cond/m', enc.encode('v2'), { ifMatch: first.etag });
        await expect(store.put('cond/m', enc.encode('v3'), { ifMatch: first.etag })).rejects.toBeInstanceOf(
          PreconditionFailedError,
        );
        await store.put('cond/m', enc.encode('v4'), { ifMatch: second.etag });
        expect(dec.decode((await store.get('cond/m'))?.body)).toBe('v4');
      });

      test('GIVEN 8 racing creators WHEN all put with If-None-Match THEN exactly one wins', async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) =>
            store.put('cond/race', enc.encode(`w${i}`), { ifNoneMatch: '*' }),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      });
    }
  });
}
