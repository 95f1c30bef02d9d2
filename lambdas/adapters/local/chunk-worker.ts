import { closeSync, constants as fsc, openSync, readSync } from 'node:fs';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { ChunkerParams } from '../../core/snapshot/chunker';
import { type Codec, compressBlob, runtimeCodecs } from '../../core/snapshot/codec';
import { type HashedChunk, streamChunks } from '../../core/snapshot/file-chunks';
import { nativeZstdCodec } from './native-zstd';
import { localPath } from './node-file-tree';
import { turnBatch } from './turn-batch';

/** One request from the main thread to a chunk worker. */
export type ChunkWorkerRequest =
  | {
      readonly t: 'read';
      readonly req: number;
      readonly path: string;
      readonly sizeHint: number;
      readonly params: ChunkerParams;
    }
  /** The main thread took one chunk of `req`: the worker may send one more. */
  | { readonly t: 'credit'; readonly req: number }
  /** The main thread stopped reading `req`. */
  | { readonly t: 'cancel'; readonly req: number };

/** What the main thread posts: the requests of one event-loop turn, in order (one message, not one each). */
export interface ToChunkWorker {
  readonly batch: readonly ChunkWorkerRequest[];
}

/** What a worker posts: the replies of one turn, their chunk buffers moved, not copied. */
export interface FromChunkWorker {
  readonly batch: readonly ChunkWorkerReply[];
}

/** A chunk of a file, the file's end, or its read error (`done` with `error`). */
export interface ChunkWorkerReply {
  readonly req: number;
  readonly chunk?: HashedChunk;
  readonly done: boolean;
  readonly error?: string;
}

/** What a chunk worker is started with. */
export interface ChunkWorkerData {
  /** The backup source's root directory. */
  readonly root: string;
  /** Chunks of one file sent ahead of the main thread's credits (bounds memory per file). */
  readonly window: number;
  /**
   * Compress each chunk with this codec before sending it (`none` where that does not help), so the
   * main thread only packs. Unset: chunks travel raw and the main thread compresses.
   */
  readonly codec?: string;
}

interface Active {
  credits: number;
  canceled: boolean;
  wake?: () => void;
}

function openForRead(file: string): number {
  // O_NOATIME where allowed keeps backups from dirtying atimes; it needs file ownership, so fall back.
  try {
    return openSync(file, fsc.O_RDONLY | fsc.O_NOATIME);
  } catch {
    return openSync(file, 'r');
  }
}

/**
 * Serves read requests on `port`: reads each file with synchronous calls (this thread does nothing
 * else), cuts and hashes it with the engine's chunker, and posts each chunk as soon as the next one
 * is cut (so a small file's only chunk travels with its `done`), moving the chunk's buffer rather
 * than copying it. A file streams at most `window` chunks ahead of the main thread's credits.
 */
export function serveChunkRequests(port: MessagePort, data: ChunkWorkerData): void {
  const active = new Map<number, Active>();
  // The same codec set the CLI's main thread builds: node:zlib's zstd where present, else the binding.
  const codec: Codec | undefined =
    data.codec === undefined ? undefined : runtimeCodecs(nativeZstdCodec(), data.codec).write;
  const compress = async (chunk: HashedChunk): Promise<HashedChunk> => {
    if (!codec) return chunk;
    const stored = await compressBlob(codec, chunk.data);
    return { id: chunk.id, data: stored.data, rawLength: chunk.rawLength, codec: stored.codec };
  };
  // Replies wait for the end of the turn: a batch of small files is read synchronously, then posted
  // as one message (per-message cost dominates small files on the receiving main thread).
  const replies = turnBatch<ChunkWorkerReply>((batch, transfer) =>
    port.postMessage({ batch } satisfies FromChunkWorker, transfer),
  );
  const post = (reply: ChunkWorkerReply) => {
    let chunk = reply.chunk;
    if (!chunk) return replies.push(reply);
    // Move a buffer only when the chunk owns all of it (a pooled Buffer shares its ArrayBuffer).
    const d = chunk.data;
    if (d.byteOffset !== 0 || d.byteLength !== d.buffer.byteLength)
      chunk = { ...chunk, data: new Uint8Array(d) };
    replies.push(chunk === reply.chunk ? reply : { ...reply, chunk }, chunk.data.buffer as ArrayBuffer);
  };

  const read = async (req: number, rel: string, sizeHint: number, params: ChunkerParams) => {
    const state: Active = { credits: data.window, canceled: false };
    active.set(req, state);
    let fd: number | undefined;
    let held: HashedChunk | undefined;
    try {
      fd = openForRead(localPath(data.root, rel));
      const file = {
        read: async (buf: Uint8Array, offset: number, length: number) =>
          readSync(fd as number, buf, offset, length, null),
        close: async () => undefined,
      };
      // Sends the previous chunk (a file's last one waits to travel with its `done`), then waits
      // while the main thread holds `window` chunks of this file it has not taken yet.
      const emit = async (chunk: HashedChunk) => {
        if (held) {
          post({ req, chunk: held, done: false });
          state.credits--;
          while (state.credits <= 0 && !state.canceled) {
            await new Promise<void>((resolve) => {
              state.wake = resolve;
            });
          }
        }
        held = chunk;
      };
      // Up to `window` chunks of a large file compress in the thread pool while this thread cuts
      // and hashes the next ones; they are sent in file order.
      const compressing: Promise<HashedChunk>[] = [];
      for await (const raw of streamChunks(file, params, sizeHint)) {
        if (state.canceled) return;
        const next = compress(raw);
        next.catch(() => undefined); // awaited below, in order; this only marks it handled
        compressing.push(next);
        if (compressing.length >= data.window)
          await emit(await (compressing.shift() as Promise<HashedChunk>));
      }
      while (compressing.length > 0 && !state.canceled) {
        await emit(await (compressing.shift() as Promise<HashedChunk>));
      }
      if (state.canceled) return;
      post({ req, chunk: held, done: true });
    } catch (error) {
      if (!state.canceled)
        post({ req, done: true, error: error instanceof Error ? error.message : String(error) });
    } finally {
      if (fd !== undefined) closeSync(fd);
      active.delete(req);
    }
  };

  // An empty batch says this worker has loaded: the main thread starts sending it reads.
  port.postMessage({ batch: [] } satisfies FromChunkWorker);
  port.on('message', ({ batch }: ToChunkWorker) => {
    for (const msg of batch) {
      if (msg.t === 'read') {
        void read(msg.req, msg.path, msg.sizeHint, msg.params);
        continue;
      }
      const state = active.get(msg.req);
      if (!state) continue;
      if (msg.t === 'credit') state.credits++;
      else state.canceled = true;
      state.wake?.();
      state.wake = undefined;
    }
  });
}

if (parentPort) serveChunkRequests(parentPort, workerData as ChunkWorkerData);
