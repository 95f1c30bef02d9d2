/**
 * FastCDC content-defined chunking with a Gear rolling hash and normalized chunking (Xia et al.,
 * "FastCDC", USENIX ATC '16). Cut points depend only on the bytes since the previous cut, so an
 * insertion moves only the chunks around it: the following boundaries realign as soon as a cut
 * point falls after the edit.
 *
 * Pure: no I/O. The caller feeds a buffer holding at least `maxSize` bytes (or the rest of the file)
 * and gets back where the next chunk ends.
 */

/** Chunk size bounds in bytes. */
export interface ChunkerParams {
  /** No cut before this many bytes; a file smaller than this is one chunk. */
  readonly minSize: number;
  /** The expected chunk size; must be a power of two. */
  readonly avgSize: number;
  /** A cut is forced here. */
  readonly maxSize: number;
}

/** File data: min 256 KiB, average 1 MiB, max 4 MiB (restic uses 512 KiB / 1 MiB / 8 MiB). */
export const DATA_CHUNKER: ChunkerParams = {
  minSize: 256 * 1024,
  avgSize: 1024 * 1024,
  maxSize: 4 * 1024 * 1024,
};

/**
 * Tree (metadata) streams: min 512 B, average 2 KiB, max 8 KiB. A tree line is ~250 bytes, so a
 * changed file rewrites ~8 lines of tree: changing 1% of the files rewrites ~8% of the tree.
 */
export const TREE_CHUNKER: ChunkerParams = { minSize: 512, avgSize: 2 * 1024, maxSize: 8 * 1024 };

/** The Gear table: 256 pseudo-random 32-bit words from a fixed seed, so every build cuts alike. */
export const GEAR: Uint32Array = (() => {
  const table = new Uint32Array(256);
  let s = 0x9e3779b9; // fixed seed; changing it changes every chunk boundary of every repository
  for (let i = 0; i < 256; i++) {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    table[i] = s;
  }
  return table;
})();

/** A mask of `bits` one-bits in the high end of a 32-bit word: with a left-shifting Gear hash the high bits mix the most bytes. */
function highMask(bits: number): number {
  return bits <= 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** Checks the parameters and returns the normalized-chunking masks (level 2: ±2 bits around the average). */
export function chunkerMasks(p: ChunkerParams): { readonly small: number; readonly large: number } {
  const bits = Math.log2(p.avgSize);
  if (!Number.isInteger(bits) || bits < 4 || bits > 28) {
    throw new Error(`chunker avgSize must be a power of two between 16 and 2^28, got ${p.avgSize}`);
  }
  if (!(p.minSize > 0 && p.minSize <= p.avgSize && p.avgSize <= p.maxSize)) {
    throw new Error(`chunker sizes must satisfy 0 < min <= avg <= max, got ${JSON.stringify(p)}`);
  }
  return { small: highMask(bits + 2), large: highMask(bits - 2) };
}

/**
 * Returns the length of the chunk that starts at `data[start]`, given `end - start` bytes available.
 * Call it with at least `maxSize` bytes available unless those are the last bytes of the stream.
 */
export function cutPoint(
  data: Uint8Array,
  start: number,
  end: number,
  p: ChunkerParams,
  masks = chunkerMasks(p),
): number {
  let n = end - start;
  if (n <= p.minSize) return n;
  if (n > p.maxSize) n = p.maxSize;
  const normal = Math.min(n, p.avgSize);
  const { small, large } = masks;
  const gear = GEAR;
  let h = 0;
  let i = start + p.minSize;
  const barrier1 = start + normal;
  const barrier2 = start + n;
  for (; i < barrier1; i++) {
    h = ((h << 1) + gear[data[i]]) | 0;
    if ((h & small) === 0) return i - start + 1;
  }
  for (; i < barrier2; i++) {
    h = ((h << 1) + gear[data[i]]) | 0;
    if ((h & large) === 0) return i - start + 1;
  }
  return n;
}

/** Cuts a whole in-memory buffer into chunk lengths (tests; `bufferChunks` cuts and hashes). */
export function chunkLengths(data: Uint8Array, p: ChunkerParams): number[] {
  const masks = chunkerMasks(p);
  const out: number[] = [];
  let at = 0;
  while (at < data.length) {
    const len = cutPoint(data, at, data.length, p, masks);
    out.push(len);
    at += len;
  }
  return out;
}
