import { compress, decompress } from '@mongodb-js/zstd';
import type { Codec } from '../../core/snapshot/codec';

/**
 * zstd through the native @mongodb-js/zstd binding, for the CLI (and its chunk workers) on runtimes
 * whose node:zlib lacks zstd (Node < 22.15). It writes the same zstd frames as node:zlib, so either
 * reads the other's blobs. Never imported by a Lambda handler: the bundle stays free of native code.
 */
export function nativeZstdCodec(level = 3): Codec {
  return {
    name: 'zstd',
    compress: async (d) => compress(Buffer.from(d.buffer, d.byteOffset, d.byteLength), level),
    decompress: async (d) => decompress(Buffer.from(d.buffer, d.byteOffset, d.byteLength)),
  };
}
