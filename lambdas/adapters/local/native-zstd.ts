import { compress as compressAsync, decompress } from '@mongodb-js/zstd';
import type { Codec } from '../../core/snapshot/codec';

/** The part of the optional `zstd-napi` package this module uses. */
interface ZstdNapi {
  Compressor: new () => {
    setParameters(p: { compressionLevel: number }): void;
    compress(data: Uint8Array): Buffer;
  };
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

/** Which zstd binding {@link nativeZstdCodec} compresses with (shown by `bulkhead backup --help`'s tests). */
export function nativeZstdBinding(): 'zstd-napi (synchronous)' | '@mongodb-js/zstd (thread pool)' {
  return loadZstdNapi() ? 'zstd-napi (synchronous)' : '@mongodb-js/zstd (thread pool)';
}

/**
 * zstd through a native binding, for the CLI and its chunk workers on runtimes whose node:zlib lacks
 * zstd (Node < 22.15). It writes standard zstd frames, so node:zlib and either binding read each
 * other's blobs. Never imported by a Lambda handler: the bundle stays free of native code.
 *
 * Compression is synchronous (zstd-napi, one reused context per thread) where that binding built.
 * The chunk workers compress each file right after hashing it, on their own thread: a hop to the
 * libuv pool per blob (all @mongodb-js/zstd offers) cost 2.3x the CPU on node_modules' 25,877 small
 * files (~1.0 s against 0.43 s; see the README's Performance notes), more than the compression.
 * Decompression stays on the thread pool: restore decompresses beside its writes.
 */
export function nativeZstdCodec(level = 3): Codec {
  const napi = loadZstdNapi();
  let compress: Codec['compress'];
  if (napi) {
    const compressor = new napi.Compressor();
    compressor.setParameters({ compressionLevel: level });
    compress = async (d) => compressor.compress(d);
  } else {
    // @mongodb-js/zstd 1.2.2 declares a level but its wrapper drops it: it compresses at zstd's
    // default, level 3 (the same output size as zstd-napi at 3, not 1 or 9, on a 2.6 MB .js file).
    compress = (d) => compressAsync(Buffer.from(d.buffer, d.byteOffset, d.byteLength), level);
  }
  return {
    name: 'zstd',
    compress,
    decompress: async (d) => decompress(Buffer.from(d.buffer, d.byteOffset, d.byteLength)),
  };
}
