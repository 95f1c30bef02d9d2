import { brotliCodec, type Codec, compressBlob, NONE_CODEC } from '../../lambdas/core/snapshot/codec';
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
    ['small compressible', () => text(10_000), 'brotli'],
    ['small random', () => randomBytes(prng(1), 10_000), 'none'],
    ['large compressible', () => text(1_000_000), 'brotli'],
    ['large random', () => randomBytes(prng(2), 1_000_000), 'none'],
    [
      'large, random only past its first 64 KiB',
      () => Buffer.concat([randomBytes(prng(3), 65_536), text(500_000)]),
      'brotli',
    ],
  ])('GIVEN a %s blob THEN codec %s, after one compression of the whole blob', async (_, make, codec) => {
    const raw = make();
    const c = counting();
    const stored = await compressBlob(c.codec, raw);
    expect(stored.codec).toBe(codec);
    expect(c.calls).toEqual([raw.length]);
    if (codec === 'none') expect(stored.data).toBe(raw);
    else expect(Buffer.from(await c.codec.decompress(stored.data)).equals(Buffer.from(raw))).toBe(true);
  });

  test('GIVEN the none codec THEN the blob is kept as is without a call', async () => {
    const raw = text(1000);
    expect(await compressBlob(NONE_CODEC, raw)).toEqual({ codec: 'none', data: raw });
  });
});
