import {
  brotliCodec,
  COMPRESS_SAMPLE,
  type Codec,
  compressBlob,
  NONE_CODEC,
} from '../../lambdas/core/snapshot/codec';
import { prng, randomBytes } from '../seeded-random';

/** Brotli (every runtime has it) that records the length of each input it compresses. */
function counting(): { codec: Codec; calls: number[] } {
  const inner = brotliCodec();
  const calls: number[] = [];
  return {
    calls,
    codec: {
      name: inner.name,
      compress: (d) => {
        calls.push(d.length);
        return inner.compress(d);
      },
      decompress: inner.decompress,
    },
  };
}

const text = (n: number) =>
  Buffer.from('a line of compressible text\n'.repeat(Math.ceil(n / 28))).subarray(0, n);

describe('compressBlob', () => {
  test.each([
    ['small compressible', () => text(10_000), 'brotli', [10_000]],
    ['small random', () => randomBytes(prng(1), 10_000), 'none', [10_000]],
    // Large: the 64 KiB sample decides; random data is never compressed whole.
    ['large compressible', () => text(1_000_000), 'brotli', [COMPRESS_SAMPLE, 1_000_000]],
    ['large random', () => randomBytes(prng(2), 1_000_000), 'none', [COMPRESS_SAMPLE]],
  ])('GIVEN a %s blob THEN codec %s, compressing inputs of %j bytes', async (_, make, codec, calls) => {
    const raw = make();
    const c = counting();
    const stored = await compressBlob(c.codec, raw);
    expect(stored.codec).toBe(codec);
    expect(c.calls).toEqual(calls);
    if (codec === 'none') expect(stored.data).toBe(raw);
    else expect(Buffer.from(await c.codec.decompress(stored.data)).equals(Buffer.from(raw))).toBe(true);
  });

  test('GIVEN a large blob random only past its first 64 KiB THEN it is compressed whole (the sample shrank)', async () => {
    const raw = Buffer.concat([text(COMPRESS_SAMPLE), randomBytes(prng(3), 500_000)]);
    const stored = await compressBlob(brotliCodec(), raw);
    expect(stored.codec).toBe('brotli');
    expect(stored.data.length).toBeLessThan(raw.length);
  });

  test('GIVEN the none codec THEN the blob is kept as is without a call', async () => {
    const raw = text(1000);
    expect(await compressBlob(NONE_CODEC, raw)).toEqual({ codec: 'none', data: raw });
  });
});
