import { compress as mongoCompress, decompress as mongoDecompress } from '@mongodb-js/zstd';
import fc from 'fast-check';
import {
  nativeZstdBinding,
  nativeZstdCodec,
  SYNC_COMPRESS_MAX_BYTES,
} from '../../lambdas/adapters/local/native-zstd';
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

  test('GIVEN any bytes WHEN compressed THEN they are standard zstd frames: @mongodb-js/zstd and the codec itself restore them, and the codec restores @mongodb-js/zstd frames (property)', async () => {
    const codec = nativeZstdCodec();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 70_000 }),
          // Random bytes past the synchronous limit: their frames are larger than it too.
          fc
            .integer({ min: SYNC_COMPRESS_MAX_BYTES, max: 300_000 })
            .map((n) => new Uint8Array(randomBytes(prng(n), n))),
          fc.integer({ min: 0, max: 300_000 }).map((n) => new Uint8Array(text(n))),
        ),
        async (raw) => {
          const frame = await codec.compress(raw);
          expect(Buffer.from(await mongoDecompress(Buffer.from(frame))).equals(Buffer.from(raw))).toBe(true);
          expect(Buffer.from(await codec.decompress(frame)).equals(Buffer.from(raw))).toBe(true);
          const foreign = await mongoCompress(Buffer.from(raw));
          expect(Buffer.from(await codec.decompress(foreign)).equals(Buffer.from(raw))).toBe(true);
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

  test('GIVEN blobs either side of the synchronous limit WHEN compressed THEN both paths write the same level (sizes equal within a few bytes)', async () => {
    const codec = nativeZstdCodec();
    // Words in a random order: levels 1 and 3 differ by far more than 16 bytes on it.
    const rand = prng(6);
    const words = [
      'backup',
      'zone',
      'cell',
      'target',
      'snapshot',
      'restore',
      'lease',
      'pack',
      'index',
      'chunk',
    ];
    const prose = Buffer.from(
      Array.from({ length: 80_000 }, () => words[Math.floor(rand() * words.length)]).join(' '),
    );
    const small = prose.subarray(0, SYNC_COMPRESS_MAX_BYTES);
    const large = prose.subarray(0, SYNC_COMPRESS_MAX_BYTES + 1);
    const a = await codec.compress(small);
    const b = await codec.compress(large);
    expect(Math.abs(a.length - b.length)).toBeLessThan(16);
    expect(Buffer.from(await codec.decompress(a)).equals(small)).toBe(true);
    expect(Buffer.from(await codec.decompress(b)).equals(large)).toBe(true);
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
