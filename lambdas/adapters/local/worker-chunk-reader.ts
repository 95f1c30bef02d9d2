import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ChunkerParams } from '../../core/snapshot/chunker';
import { type FileChunkReader, type HashedChunk, ReaderFailure } from '../../core/snapshot/file-chunks';
import type {
  ChunkWorkerData,
  ChunkWorkerReply,
  ChunkWorkerRequest,
  FromChunkWorker,
  ToChunkWorker,
} from './chunk-worker';
import { turnBatch } from './turn-batch';

/** Options of {@link WorkerChunkReader}. */
export interface WorkerChunkReaderOptions {
  /**
   * Worker threads. On 2 cores, 2 workers beside the main thread measured best (see the README).
   * @default min(2, available parallelism)
   */
  readonly workers?: number;
  /**
   * Chunks of one file a worker sends ahead of the main thread: bounds memory at
   * workers × files in flight × window × max chunk size.
   * @default 4
   */
  readonly window?: number;
  /**
   * Files the backup keeps in flight. A small file's round trip includes a thread-pool hop for its
   * compression, so each worker needs a deep queue: 8 per worker left node_modules ~10% slower than
   * 32 (medians of 4 alternating in-process runs: 3.6 s vs 3.3 s, load average ~4).
   * @default 32 per worker
   */
  readonly concurrency?: number;
  /**
   * Files larger than the chunker's max size read at once; each holds up to 4 x max chunk size of
   * read buffer plus 2 x window chunks (~48 MiB with the data chunker), so this bounds memory.
   * @default 2 per worker
   */
  readonly maxLargeFiles?: number;
  /**
   * Workers compress chunks with this codec (the repository's write codec), so the main thread only
   * claims and packs; a chunk already stored is compressed for nothing, which costs less than the
   * main thread's per-blob share of compressing.
   * @default chunks travel raw, the main thread compresses
   */
  readonly codec?: string;
  /**
   * Serves reads in this thread until a worker has loaded (~0.1-0.25 s with tsx), so a re-backup of a
   * few changed files does not wait for the workers.
   * @default none: reads queue for the workers
   */
  readonly fallback?: FileChunkReader;
  /**
   * The worker's entry file.
   * @default chunk-worker.cjs beside this module (registers tsx, then loads chunk-worker.ts)
   */
  readonly entry?: string;
}

interface Slot {
  readonly worker: Worker;
  /** The worker has loaded and said so; until one has, reads go to the fallback. */
  ready: boolean;
  /** Requests not yet finished on this worker, and their size hints (to pick the least loaded). */
  pending: number;
  pendingBytes: number;
  /** Requests of this event-loop turn, posted together at its end. */
  readonly outbox: ReturnType<typeof turnBatch<ChunkWorkerRequest>>;
}

interface Request {
  readonly slot: Slot;
  readonly sizeHint: number;
  readonly chunks: HashedChunk[];
  done: boolean;
  error?: Error;
  wake?: () => void;
}

/**
 * A {@link FileChunkReader} over a local directory that reads, chunks and hashes files in worker
 * threads, so the main thread only claims, compresses (in the libuv pool) and packs. On 2 cores this
 * lets both cores work on a first backup of many small files, where one thread was the bottleneck.
 * Chunks arrive as transferred buffers (no copy); each worker owns its files' reads, with
 * synchronous calls (fastest on a local disk, and it blocks only that worker).
 *
 * CLI only: the Lambda reads EFS in-thread (see the README's Performance notes). Workers start on
 * the first read. Call {@link close} when done; idle workers do not keep the process alive.
 */
export class WorkerChunkReader implements FileChunkReader {
  readonly concurrency: number;
  private readonly slots: Slot[] = [];
  private readonly requests = new Map<number, Request>();
  private nextReq = 0;
  private failure: Error | undefined;
  private closing = false;
  private started = false;
  private readonly maxLargeFiles: number;
  private largeFiles = 0;
  private readonly largeWaiters: (() => void)[] = [];
  /** The most files larger than the chunker's max size read at once so far (tests, diagnostics). */
  peakLargeFiles = 0;

  constructor(
    readonly root: string,
    private readonly options: WorkerChunkReaderOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 32 * this.workerCount();
    this.maxLargeFiles = Math.max(1, options.maxLargeFiles ?? 2 * this.workerCount());
  }

  private workerCount(): number {
    return Math.max(1, this.options.workers ?? Math.min(2, availableParallelism()));
  }

  /** Starts the workers on the first read: a backup that reads nothing (unchanged tree) starts none. */
  private start(): void {
    this.started = true;
    const workerData: ChunkWorkerData = {
      root: this.root,
      window: Math.max(1, this.options.window ?? 4),
      codec: this.options.codec,
    };
    const entry = this.options.entry ?? path.join(__dirname, 'chunk-worker.cjs');
    for (let i = 0; i < this.workerCount(); i++) {
      const worker = new Worker(entry, { workerData });
      const outbox = turnBatch<ChunkWorkerRequest>((batch) => {
        if (!this.closing) worker.postMessage({ batch } satisfies ToChunkWorker);
      });
      const slot: Slot = { worker, ready: false, pending: 0, pendingBytes: 0, outbox };
      worker.unref();
      worker.on('message', (msg: FromChunkWorker) => {
        slot.ready = true;
        for (const reply of msg.batch) this.receive(reply);
      });
      worker.on('error', (error) => this.fail(new ReaderFailure(`chunk worker failed: ${error.message}`)));
      worker.on('exit', (code) => {
        if (!this.closing) this.fail(new ReaderFailure(`chunk worker exited unexpectedly (code ${code})`));
      });
      this.slots.push(slot);
    }
  }

  async *read(rel: string, sizeHint: number, params: ChunkerParams): AsyncGenerator<HashedChunk> {
    if (this.failure) throw this.failure;
    if (this.closing) throw new ReaderFailure('chunk reader is closed');
    if (!this.started) this.start();
    let ready = this.slots.filter((s) => s.ready);
    if (ready.length === 0 && this.options.fallback) {
      // The fallback may never leave this thread's turn (sync reads, sync compression): give the
      // event loop a turn so a worker's "loaded" message can arrive.
      await new Promise<void>((resolve) => setImmediate(resolve));
      ready = this.slots.filter((s) => s.ready);
    }
    if (ready.length === 0 && this.options.fallback) {
      yield* this.options.fallback.read(rel, sizeHint, params);
      return;
    }
    // Large files hold a read buffer of up to 4 x max chunk size plus 2 x window chunks each: bound
    // how many are read at once, or a tree of big files would hold all of them in memory.
    const large = sizeHint > params.maxSize;
    if (large) {
      if (this.largeFiles >= this.maxLargeFiles) {
        await new Promise<void>((resolve) => this.largeWaiters.push(resolve));
      } else this.largeFiles++;
      this.peakLargeFiles = Math.max(this.peakLargeFiles, this.largeFiles);
      if (this.failure || this.closing) {
        this.releaseLarge();
        throw this.failure ?? new ReaderFailure('chunk reader is closed');
      }
    }
    const slot = (ready.length > 0 ? ready : this.slots).reduce((a, b) =>
      b.pendingBytes < a.pendingBytes || (b.pendingBytes === a.pendingBytes && b.pending < a.pending) ? b : a,
    );
    const req = this.nextReq++;
    const request: Request = { slot, sizeHint, chunks: [], done: false };
    this.requests.set(req, request);
    if (slot.pending++ === 0) slot.worker.ref();
    slot.pendingBytes += sizeHint;
    this.send(slot, { t: 'read', req, path: rel, sizeHint, params });
    let taken = 0;
    try {
      for (;;) {
        if (taken < request.chunks.length) {
          const chunk = request.chunks[taken];
          request.chunks[taken++] = undefined as unknown as HashedChunk;
          if (!request.done) this.send(slot, { t: 'credit', req });
          yield chunk;
          continue;
        }
        if (request.error) throw request.error;
        if (request.done) return;
        await new Promise<void>((resolve) => {
          request.wake = resolve;
        });
      }
    } finally {
      if (!request.done && !this.failure) this.send(slot, { t: 'cancel', req });
      this.finish(req, request);
      if (large) this.releaseLarge();
    }
  }

  /** Hands a large-file slot to the next waiting reader, or frees it. */
  private releaseLarge(): void {
    const next = this.largeWaiters.shift();
    if (next) next();
    else this.largeFiles--;
  }

  /** Stops the workers; reads still running fail with {@link ReaderFailure}. */
  async close(): Promise<void> {
    this.closing = true;
    this.started = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private send(slot: Slot, msg: ChunkWorkerRequest): void {
    slot.outbox.push(msg);
  }

  private receive(msg: ChunkWorkerReply): void {
    const request = this.requests.get(msg.req);
    if (!request) return; // canceled by the reader; its late chunks are dropped
    if (msg.chunk) request.chunks.push(msg.chunk);
    if (msg.done) {
      request.done = true;
      if (msg.error !== undefined) request.error = new Error(msg.error);
    }
    request.wake?.();
    request.wake = undefined;
  }

  private finish(req: number, request: Request): void {
    if (!this.requests.delete(req)) return;
    const slot = request.slot;
    slot.pendingBytes -= request.sizeHint;
    if (--slot.pending === 0) slot.worker.unref();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const request of this.requests.values()) {
      request.error ??= this.failure;
      request.done = true;
      request.wake?.();
      request.wake = undefined;
    }
  }
}
