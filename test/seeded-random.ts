/**
 * Deterministic pseudo-random data for tests and benchmarks: the same seed gives the same bytes
 * on every run and machine, so failures reproduce and benchmark datasets compare across runs.
 */

/** A seeded PRNG (mulberry32): returns numbers in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic bytes: 32 bits per PRNG call. */
export function randomBytes(rand: () => number, n: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(n / 4));
  for (let i = 0; i < words.length; i++) words[i] = (rand() * 4294967296) >>> 0;
  return new Uint8Array(words.buffer, 0, n);
}
