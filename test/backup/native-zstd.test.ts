import { decompress as mongoDecompress } from '@mongodb-js/zstd';
import fc from 'fast-check';
import { nativeZstdBinding, nativeZstdCodec } from '../../lambdas/adapters/local/native-zstd';
import { brotliCodec, runtimeCodecs, zlibZstdCodec } from '../../lambdas/core/snapshot/codec';
import { prng, randomBytes } from '../seeded-random';

const text = (n: number) =>
  Buffer.from('a line of compressible text, and a number: 1234567\n'.repeat(Math.ceil(n / 51))).subarray(
    0,
    n,
  );

describe('the CLI zstd codec', () => {
  test('GIVEN this machine (npm ci builds the optional zstd-napi) THEN compression is synchronous, not a thread-pool hop per blob', () => {
    // If this fails, `npm ci` could not build zstd-napi (g++, make and python3 are needed): backups
    // still work, through @mongodb-js/zstd, but first backups of many small files are ~20% slower.
    expect(nativeZstdBinding()).toBe('zstd-napi (synchronous)');
  });

  test('GIVEN any bytes WHEN compressed THEN they are standard zstd frames: @mongodb-js/zstd and the codec itself restore them (property)', async () => {
    const codec = nativeZstdCodec();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 70_000 }),
          fc.integer({ min: 0, max: 300_000 }).map((n) => new Uint8Array(text(n))),
        ),
        async (raw) => {
          const frame = await codec.compress(raw);
          expect(Buffer.from(await mongoDecompress(Buffer.from(frame))).equals(Buffer.from(raw))).toBe(true);
          expect(Buffer.from(await codec.decompress(frame)).equals(Buffer.from(raw))).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  test('GIVEN a view into a larger buffer WHEN compressed THEN only the view is compressed', async () => {
    const codec = nativeZstdCodec();
    const backing = randomBytes(prng(4), 10_000);
    const view = backing.subarray(1000, 1500);
    const frame = await codec.compress(view);
    expect(Buffer.from(await codec.decompress(frame)).equals(Buffer.from(view))).toBe(true);
  });

  test('GIVEN a level WHEN compressing compressible text THEN it is honoured (level 19 smaller than level 1)', async () => {
    const raw = Buffer.concat([text(200_000), randomBytes(prng(5), 2000), text(100_000).reverse()]);
    const fast = await nativeZstdCodec(1).compress(raw);
    const small = await nativeZstdCodec(19).compress(raw);
    expect(small.length).toBeLessThan(fast.length);
  });

  test('GIVEN the CLI passes its codec THEN it writes with it, and every other codec stays readable', () => {
    const cli = nativeZstdCodec();
    const set = runtimeCodecs(cli);
    expect(set.write).toBe(cli);
    expect(set.byName.get('zstd')).toBe(cli);
    expect([...set.byName.keys()].sort()).toEqual(['brotli', 'deflate', 'none', 'zstd']);
    // Without it (the Lambda): node:zlib's zstd where the runtime has it, else Brotli.
    const lambda = runtimeCodecs();
    expect(lambda.write.name).toBe(zlibZstdCodec() ? 'zstd' : brotliCodec().name);
  });
});
