import { closeSync, fchmodSync, futimesSync, openSync, writeSync } from 'node:fs';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { localPath, mtimeSeconds, NodeRestoreTarget } from './node-file-tree';

/** One file operation a restore worker performs. */
export type RestoreWorkerOp =
  | {
      readonly t: 'whole';
      readonly id: number;
      readonly path: string;
      readonly data: Uint8Array;
      readonly mode: number;
      readonly mtimeNs: string;
    }
  | { readonly t: 'create'; readonly id: number; readonly path: string; readonly size: number }
  | {
      readonly t: 'at';
      readonly id: number;
      readonly path: string;
      readonly data: Uint8Array;
      readonly position: number;
    };

/** The operations of one event-loop turn, in order (one message, not one each). */
export interface ToRestoreWorker {
  readonly batch: readonly RestoreWorkerOp[];
}

/** The operations of a batch, done: those in `failed` with their reasons, the others successfully. */
export interface FromRestoreWorker {
  readonly ids: readonly number[];
  readonly failed: readonly { readonly id: number; readonly error: string }[];
}

/** What a restore worker is started with. */
export interface RestoreWorkerData {
  /** The restore's target directory. */
  readonly root: string;
}

/** Writes a whole file and sets its mode and mtime on the one open descriptor. */
export function writeWholeSync(file: string, data: Uint8Array, mode: number, mtimeNs: string): void {
  const fd = openSync(file, 'w', mode);
  try {
    for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done);
    // The umask may have masked the mode at open.
    fchmodSync(fd, mode);
    const s = mtimeSeconds(mtimeNs);
    futimesSync(fd, s, s);
  } finally {
    closeSync(fd);
  }
}

/**
 * Performs file operations for the main thread with synchronous calls (this thread does nothing
 * else) and acknowledges each batch with one message.
 */
export function serveRestoreOps(port: MessagePort, data: RestoreWorkerData): void {
  const target = new NodeRestoreTarget(data.root, { syncWrites: true });
  port.on('message', async ({ batch }: ToRestoreWorker) => {
    const failed: { id: number; error: string }[] = [];
    for (const op of batch) {
      try {
        if (op.t === 'whole') writeWholeSync(localPath(data.root, op.path), op.data, op.mode, op.mtimeNs);
        else if (op.t === 'create') await target.createFile(op.path, op.size);
        else await target.writeAt(op.path, op.data, op.position);
      } catch (error) {
        failed.push({ id: op.id, error: error instanceof Error ? error.message : String(error) });
      }
    }
    port.postMessage({ ids: batch.map((op) => op.id), failed } satisfies FromRestoreWorker);
  });
}

if (parentPort) serveRestoreOps(parentPort, workerData as RestoreWorkerData);
