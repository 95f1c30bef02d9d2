import * as zlib from 'node:zlib';

/**
 * A blob compression codec. Every blob records its codec's name, so a repository written with zstd
 * on Lambda reads anywhere a zstd codec exists, and one written with the fallback reads everywhere.
 */
export interface Codec {
  /** The name recorded next to each blob: `none`, `zstd`, `brotli` or `deflate`. */
  readonly name: string;
  compress(data: Uint8Array): Promise<Uint8Array>;
  decompress(data: Uint8Array): Promise<Uint8Array>;
}

/** Codecs by name, plus the one new blobs are written with. */
export interface CodecSet {
  readonly write: Codec;
  readonly byName: ReadonlyMap<string, Codec>;
}

/** Stored as is: used for data that does not compress. */
export const NONE_CODEC: Codec = {
  name: 'none',
  compress: async (d) => d,
  decompress: async (d) => d,
};

function promisified(fn: (buf: Buffer, opts: object, cb: (e: Error | null, r: Buffer) => void) => void) {
  return (data: Uint8Array, opts: object) =>
    new Promise<Uint8Array>((resolve, reject) =>
      fn(Buffer.from(data.buffer, data.byteOffset, data.byteLength), opts, (e, r) =>
        e ? reject(e) : resolve(r),
      ),
    );
}

type ZlibWithZstd = typeof zlib & {
  zstdCompress?: (buf: Buffer, opts: object, cb: (e: Error | null, r: Buffer) => void) => void;
  zstdDecompress?: (buf: Buffer, opts: object, cb: (e: Error | null, r: Buffer) => void) => void;
  constants: typeof zlib.constants & { ZSTD_c_compressionLevel?: number };
};

/** zstd from `node:zlib` (Node >= 22.15, so Lambda nodejs22.x/24.x), or undefined on older runtimes. */
export function zlibZstdCodec(level = 3): Codec | undefined {
  const z = zlib as ZlibWithZstd;
  if (typeof z.zstdCompress !== 'function' || typeof z.zstdDecompress !== 'function') return undefined;
  const compress = promisified(z.zstdCompress);
  const decompress = promisified(z.zstdDecompress);
  const param = z.constants.ZSTD_c_compressionLevel ?? 100;
  return {
    name: 'zstd',
    compress: (d) => compress(d, { params: { [param]: level } }),
    decompress: (d) => decompress(d, {}),
  };
}

/**
 * The fallback where zstd is missing: Brotli at quality 3, in every Node since 11. It compresses
 * about like zstd level 3 at a lower speed; see the README's codec table.
 */
export function brotliCodec(quality = 3): Codec {
  const compress = promisified(zlib.brotliCompress);
  const decompress = promisified(zlib.brotliDecompress);
  return {
    name: 'brotli',
    compress: (d) =>
      compress(d, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: quality,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: d.length,
        },
      }),
    decompress: (d) => decompress(d, {}),
  };
}

/** Raw deflate, readable everywhere; kept so repositories written with it stay readable. */
export function deflateCodec(level = 1): Codec {
  const compress = promisified(zlib.deflateRaw);
  const decompress = promisified(zlib.inflateRaw);
  return { name: 'deflate', compress: (d) => compress(d, { level }), decompress: (d) => decompress(d, {}) };
}

/**
 * The codec set for this runtime: `extraZstd` when given (the CLI passes its native binding, whose
 * compression is synchronous where it built; the Lambda bundle never does), else zstd from node:zlib
 * when present, else Brotli. Every codec this runtime has is registered for reading.
 */
export function runtimeCodecs(extraZstd?: Codec, preferred?: string): CodecSet {
  const byName = new Map<string, Codec>();
  for (const c of [NONE_CODEC, deflateCodec(), brotliCodec(), zlibZstdCodec(), extraZstd]) {
    if (c) byName.set(c.name, c);
  }
  const name = preferred ?? (byName.has('zstd') ? 'zstd' : 'brotli');
  const write = byName.get(name);
  if (!write)
    throw new Error(
      `codec ${JSON.stringify(name)} is not available here; have ${[...byName.keys()].join(', ')}`,
    );
  return { write, byName };
}

/**
 * Compresses a blob with `codec`, or keeps it raw (`none`) when that does not shrink it; the main
 * thread and the chunk workers decide alike. (Judging large blobs on a 64 KiB sample saved ~0.3 s of
 * zstd on the mixed bench tree's random files but stored 1.3 MiB more of node_modules raw: not kept.)
 */
export async function compressBlob(
  codec: Codec,
  raw: Uint8Array,
): Promise<{ readonly codec: string; readonly data: Uint8Array }> {
  if (codec.name === NONE_CODEC.name) return { codec: NONE_CODEC.name, data: raw };
  const data = await codec.compress(raw);
  return data.length >= raw.length ? { codec: NONE_CODEC.name, data: raw } : { codec: codec.name, data };
}
