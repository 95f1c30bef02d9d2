import { compress as compressAsync, decompress } from '@mongodb-js/zstd';
import type { Codec } from '../../core/snapshot/codec';

/** The part of the optional `zstd-napi` package this module uses. */
interface ZstdNapi {
  Compressor: new () => {
    setParameters(p: { compressionLevel: number }): void;
    compress(data: Uint8Array): Buffer;
  };
  Decompressor: new () => { decompress(data: Uint8Array): Buffer };
}

/**
 * `zstd-napi` when it installed: an optional dependency, built from its bundled zstd sources by
 * node-gyp at `npm ci` (it has no prebuilt binary this machine can download). Undefined where the
 * build failed or the package is absent, and the codec falls back to @mongodb-js/zstd.
 */
function loadZstdNapi(): ZstdNapi | undefined {
  try {
    return require('zstd-napi') as ZstdNapi;
  } catch {
    return undefined;
  }
}

/** Which zstd binding {@link nativeZstdCodec} uses for small blobs (tests check it is the fast one). */
export function nativeZstdBinding(): 'zstd-napi (synchronous)' | '@mongodb-js/zstd (thread pool)' {
  return loadZstdNapi() ? 'zstd-napi (synchronous)' : '@mongodb-js/zstd (thread pool)';
}

/**
 * Blobs up to this size compress (and stored blobs up to it decompress) synchronously in the calling
 * thread where zstd-napi built; larger ones in the thread pool. That is every small file whole, and
 * the last chunk of a large one: the data chunker cuts no other chunk under its 256 KiB minimum.
 */
export const SYNC_COMPRESS_MAX_BYTES = 256 * 1024;

/**
 * zstd through a native binding, for the CLI and its chunk workers on runtimes whose node:zlib lacks
 * zstd (Node < 22.15). It writes standard zstd frames, so node:zlib and either binding read each
 * other's blobs. Never imported by a Lambda handler: the bundle stays free of native code.
 *
 * Small blobs compress synchronously (zstd-napi, one reused context per thread) where that binding
 * built: the chunk workers compress each small file right after hashing it, on their own thread. A
 * hop to the libuv pool per blob (all @mongodb-js/zstd offers) cost 2.3x the CPU on node_modules'
 * 25,877 small files (~1.0 s against 0.43 s; see the README's Performance notes), more than the
 * compression itself. Large chunks still go to the pool, where the hop is noise and a worker cuts and
 * hashes the next chunks meanwhile. Restore decompresses the same way: through the pool,
 * @mongodb-js/zstd cost ~0.57-0.71 s of CPU for the same 25,877 blobs, synchronously 0.20-0.22 s.
 */
export function nativeZstdCodec(): Codec {
  // Level 3, zstd's default: the only level @mongodb-js/zstd 1.2.2 writes (it declares a level
  // argument, but its wrapper drops it: its output matched zstd-napi's at 3, not 1 or 9).
  const level = 3;
  const pooled = (d: Uint8Array) => compressAsync(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
  const pooledDecompress = (d: Uint8Array) => decompress(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
  const napi = loadZstdNapi();
  if (!napi) return { name: 'zstd', compress: pooled, decompress: pooledDecompress };
  const compressor = new napi.Compressor();
  compressor.setParameters({ compressionLevel: level });
  const decompressor = new napi.Decompressor();
  return {
    name: 'zstd',
    compress: async (d) => (d.length <= SYNC_COMPRESS_MAX_BYTES ? compressor.compress(d) : pooled(d)),
    decompress: async (d) =>
      d.length <= SYNC_COMPRESS_MAX_BYTES ? decompressor.decompress(d) : pooledDecompress(d),
  };
}
