import type { SourceFile, SourceTree } from '../../ports/file-tree';
import { type ChunkerParams, chunkerMasks, cutPoint } from './chunker';
import { sha256 } from './format';

/** A content-defined chunk of a file and its ID (SHA-256, hex). */
export interface HashedChunk {
  readonly id: string;
  /** The chunk's bytes; with {@link codec} set, its stored form instead. */
  readonly data: Uint8Array;
  /** The chunk's length before any compression. */
  readonly rawLength: number;
  /**
   * Set when the reader compressed the chunk already (worker threads do, beside the main thread):
   * the codec `data` is compressed with, or `none` where compression did not help.
   */
  readonly codec?: string;
}

/**
 * Reads files of the backup source and cuts them into hashed chunks: the per-file CPU work of a
 * backup (read, FastCDC, SHA-256). The engine reads in this thread by default
 * ({@link sourceChunkReader}); the CLI passes a pool of worker threads so this work runs beside the
 * main thread's packing (see lambdas/adapters/local/worker-chunk-reader.ts). Every reader must cut
 * and hash alike: chunk IDs depend only on the bytes and the chunker parameters.
 */
export interface FileChunkReader {
  /**
   * Yields the chunks of the file at `path` (relative to the source's root) in order. Throws when the
   * file cannot be read (the engine records it as skipped), or {@link ReaderFailure} when the reader
   * itself broke (the engine fails the run). Stopping early (`break`) releases the file.
   */
  read(path: string, sizeHint: number, params: ChunkerParams): AsyncIterable<HashedChunk>;
  /**
   * Files worth reading at once to keep this reader busy.
   * @default 8
   */
  readonly concurrency?: number;
}

/** The reader itself failed (not one file): the backup must fail rather than skip every file. */
export class ReaderFailure extends Error {
  override readonly name = 'ReaderFailure';
}

/**
 * Reads a file front to back and yields its content-defined chunks, each in its own buffer (so a
 * chunk can be kept, or transferred to another thread, without pinning the read buffer).
 */
export async function* streamChunks(
  file: SourceFile,
  params: ChunkerParams,
  sizeHint: number,
): AsyncGenerator<HashedChunk> {
  const masks = chunkerMasks(params);
  // A buffer just over the expected size (the +1 sees EOF in one read); large files get 4 x max so
  // compaction moves little. It grows if the file grew since it was stat'ed. Not zero-filled: only
  // bytes read are ever cut.
  let buf: Uint8Array = Buffer.allocUnsafeSlow(Math.max(4096, Math.min(sizeHint + 1, params.maxSize * 4)));
  let start = 0;
  let end = 0;
  let eof = false;
  for (;;) {
    while (!eof && end - start < params.maxSize) {
      if (end === buf.length) {
        if (start > 0) {
          buf.copyWithin(0, start, end);
          end -= start;
          start = 0;
        } else {
          const bigger: Uint8Array = Buffer.allocUnsafeSlow(Math.min(buf.length * 2, params.maxSize * 4));
          bigger.set(buf.subarray(0, end));
          buf = bigger;
        }
      }
      const n = await file.read(buf, end, buf.length - end);
      if (n === 0) eof = true;
      else end += n;
    }
    if (end === start) return;
    const len = cutPoint(buf, start, end, params, masks);
    // A copy in its own ArrayBuffer: `buf` is reused, and Buffer#slice would only be a view.
    const data = new Uint8Array(len);
    data.set(buf.subarray(start, start + len));
    start += len;
    yield { id: sha256(data), data, rawLength: len };
  }
}

/** Cuts an in-memory file into hashed chunks (views into `data`, no copies). */
export function bufferChunks(data: Uint8Array, params: ChunkerParams): HashedChunk[] {
  const masks = chunkerMasks(params);
  const out: HashedChunk[] = [];
  for (let at = 0; at < data.length; ) {
    const len = cutPoint(data, at, data.length, params, masks);
    const chunk = data.subarray(at, at + len);
    out.push({ id: sha256(chunk), data: chunk, rawLength: len });
    at += len;
  }
  return out;
}

/**
 * The in-thread reader over a {@link SourceTree}: small files in one `readWhole` call where the tree
 * has it, larger ones streamed through `open`. Used where worker threads are not (the Lambda, tests).
 */
export function sourceChunkReader(source: SourceTree): FileChunkReader {
  return {
    async *read(path, sizeHint, params) {
      if (source.readWhole && sizeHint <= params.maxSize) {
        yield* bufferChunks(await source.readWhole(path), params);
        return;
      }
      const file = await source.open(path);
      try {
        yield* streamChunks(file, params, sizeHint);
      } finally {
        await file.close().catch(() => undefined);
      }
    },
  };
}
