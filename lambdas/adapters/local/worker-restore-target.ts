import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { RestoreTarget } from '../../ports/file-tree';
import { NodeRestoreTarget } from './node-file-tree';
import type {
  FromRestoreWorker,
  RestoreWorkerData,
  RestoreWorkerOp,
  ToRestoreWorker,
} from './restore-worker';
import { turnBatch } from './turn-batch';

/** Options of {@link WorkerRestoreTarget}. */
export interface WorkerRestoreTargetOptions {
  /** @default min(2, available parallelism) */
  readonly workers?: number;
  /** @default restore-worker.cjs beside this module */
  readonly entry?: string;
}

type Op = RestoreWorkerOp extends infer T ? (T extends RestoreWorkerOp ? Omit<T, 'id'> : never) : never;

interface Slot {
  readonly worker: Worker;
  pending: number;
  /** Operations of this event-loop turn, posted together at its end, with the buffers they move. */
  readonly outbox: ReturnType<typeof turnBatch<RestoreWorkerOp>>;
}

/**
 * A {@link RestoreTarget} over a local directory whose file writes run in worker threads with
 * synchronous calls, one message per file (its bytes, mode and mtime together), so the kernel's
 * share of a restore runs on both cores. Directories, symlinks, and the modes and mtimes of files of
 * several blobs are set in this thread, synchronously. CLI only; call {@link close} when done.
 */
export class WorkerRestoreTarget implements RestoreTarget {
  private readonly local: NodeRestoreTarget;
  private readonly slots: Slot[] = [];
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;
  private closing = false;

  constructor(
    readonly root: string,
    options: WorkerRestoreTargetOptions = {},
  ) {
    this.local = new NodeRestoreTarget(root, { syncWrites: true });
    const count = Math.max(1, options.workers ?? Math.min(2, availableParallelism()));
    const workerData: RestoreWorkerData = { root };
    const entry = options.entry ?? path.join(__dirname, 'restore-worker.cjs');
    for (let i = 0; i < count; i++) {
      const worker = new Worker(entry, { workerData });
      const outbox = turnBatch<RestoreWorkerOp>((batch, transfer) => {
        if (!this.closing) worker.postMessage({ batch } satisfies ToRestoreWorker, transfer);
      });
      const slot: Slot = { worker, pending: 0, outbox };
      worker.unref();
      worker.on('message', (msg: FromRestoreWorker) => {
        slot.pending -= msg.ids.length;
        if (slot.pending === 0) worker.unref();
        const failed = new Map(msg.failed.map((f) => [f.id, f.error]));
        for (const id of msg.ids) {
          const w = this.waiting.get(id);
          this.waiting.delete(id);
          const error = failed.get(id);
          if (error === undefined) w?.resolve();
          else w?.reject(new Error(error));
        }
      });
      worker.on('error', (error) => this.fail(new Error(`restore worker failed: ${error.message}`)));
      worker.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`restore worker exited unexpectedly (code ${code})`));
      });
      this.slots.push(slot);
    }
  }

  mkdir(rel: string): Promise<void> {
    return this.local.mkdir(rel);
  }

  symlink(rel: string, target: string): Promise<void> {
    return this.local.symlink(rel, target);
  }

  chmod(rel: string, mode: number): Promise<void> {
    return this.local.chmod(rel, mode);
  }

  setMtime(rel: string, mtimeNs: string): Promise<void> {
    return this.local.setMtime(rel, mtimeNs);
  }

  writeFile(rel: string, data: Uint8Array): Promise<void> {
    return this.local.writeFile(rel, data);
  }

  writeWholeFile(rel: string, data: Uint8Array, mode: number, mtimeNs: string): Promise<void> {
    return this.send({ t: 'whole', path: rel, data: new Uint8Array(data), mode, mtimeNs });
  }

  createFile(rel: string, size: number): Promise<void> {
    return this.send({ t: 'create', path: rel, size });
  }

  writeAt(rel: string, data: Uint8Array, position: number): Promise<void> {
    return this.send({ t: 'at', path: rel, data: new Uint8Array(data), position });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.fail(new Error('restore target is closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  /** Queues an operation on the least busy worker; its data (copied by the caller above) moves there. */
  private send(op: Op): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const slot = this.slots.reduce((a, b) => (b.pending < a.pending ? b : a));
    if (slot.pending++ === 0) slot.worker.ref();
    slot.outbox.push(
      { ...op, id } as RestoreWorkerOp,
      'data' in op ? (op.data.buffer as ArrayBuffer) : undefined,
    );
    return new Promise<void>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const w of this.waiting.values()) w.reject(this.failure);
    this.waiting.clear();
  }
}
