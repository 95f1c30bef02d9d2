import fc from 'fast-check';
import {
  type ChunkerParams,
  chunkerMasks,
  chunkLengths,
  cutPoint,
  DATA_CHUNKER,
} from '../../lambdas/core/snapshot/chunker';
import { prng, randomBytes } from '../seeded-random';

const P: ChunkerParams = { minSize: 256, avgSize: 1024, maxSize: 4096 };

function boundaries(data: Uint8Array, p = P): number[] {
  let at = 0;
  return chunkLengths(data, p).map((len) => (at += len));
}

const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });

describe('FastCDC chunker', () => {
  test('GIVEN any bytes WHEN chunked twice THEN the boundaries are the same', () => {
    fc.assert(
      fc.property(bytes(40_000), (data) => {
        expect(chunkLengths(data, P)).toEqual(chunkLengths(data.slice(), P));
      }),
    );
  });

  test('GIVEN any bytes WHEN chunked THEN every chunk but the last is within [min, max] and the lengths sum to the input', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 0, max: 60_000 }), (seed, n) => {
        const data = randomBytes(prng(seed), n);
        const lens = chunkLengths(data, P);
        expect(lens.reduce((a, b) => a + b, 0)).toBe(n);
        lens.forEach((len, i) => {
          expect(len).toBeLessThanOrEqual(P.maxSize);
          if (i < lens.length - 1) expect(len).toBeGreaterThanOrEqual(P.minSize);
          else expect(len).toBeGreaterThan(0);
        });
      }),
    );
  });

  test('GIVEN a buffer cut as a stream with only maxSize bytes visible THEN the cuts equal whole-buffer cuts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
        const data = randomBytes(prng(seed), 30_000);
        const masks = chunkerMasks(P);
        const streamed: number[] = [];
        let at = 0;
        while (at < data.length) {
          const len = cutPoint(data, at, Math.min(data.length, at + P.maxSize), P, masks);
          streamed.push(len);
          at += len;
        }
        expect(streamed).toEqual(chunkLengths(data, P));
      }),
    );
  });

  test('GIVEN a small insertion near the start WHEN re-chunked THEN only chunks near it change', () => {
    const differingCounts: number[] = [];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        (seed, pos, insert) => {
          const data = randomBytes(prng(seed), 64 * 1024);
          const edited = new Uint8Array(data.length + insert.length);
          edited.set(data.subarray(0, pos), 0);
          edited.set(insert, pos);
          edited.set(data.subarray(pos), pos + insert.length);
          // Old cut points, where they sit in the edited file: before the edit unchanged, after it shifted.
          const before = new Set(boundaries(data).map((b) => (b <= pos ? b : b + insert.length)));
          const after = boundaries(edited);
          const differing = after.filter((b) => !before.has(b));
          // Every new cut point lies within a resync window after the edit; beyond it, the old chunks return.
          expect(differing.filter((b) => b > pos + insert.length + 8 * P.maxSize)).toEqual([]);
          expect(after.length - differing.length).toBeGreaterThan(0.7 * after.length);
          differingCounts.push(differing.length);
        },
      ),
      // A fixed seed: the same 300 cases every run, so the statistics below cannot flake.
      { seed: 20261127, numRuns: 300 },
    );
    const mean = differingCounts.reduce((a, b) => a + b, 0) / differingCounts.length;
    expect(mean).toBeLessThan(4); // of ~64 chunks
  });

  test('GIVEN random data WHEN chunked with the data params THEN the mean chunk is near the 1 MiB average', () => {
    const data = randomBytes(prng(1), 32 * 1024 * 1024);
    const lens = chunkLengths(data, DATA_CHUNKER);
    const mean = data.length / lens.length;
    expect(mean).toBeGreaterThan(0.6 * 1024 * 1024);
    expect(mean).toBeLessThan(1.6 * 1024 * 1024);
  });

  test.each([
    [{ minSize: 10, avgSize: 1000, maxSize: 4000 }, /power of two/],
    [{ minSize: 2048, avgSize: 1024, maxSize: 4096 }, /0 < min <= avg <= max/],
    [{ minSize: 256, avgSize: 1024, maxSize: 512 }, /0 < min <= avg <= max/],
  ])('GIVEN bad params %j THEN chunkerMasks names the problem', (p, message) => {
    expect(() => chunkerMasks(p)).toThrow(message);
  });
});
