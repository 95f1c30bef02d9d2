/**
 * Collects the messages of one event-loop turn and hands them over together at its end, with the
 * buffers they move: one `postMessage` per turn, not one per message (per-message cost dominates
 * small files on the receiving thread). Used on both sides of the chunk and restore workers.
 */
export function turnBatch<T>(send: (batch: T[], transfer: ArrayBuffer[]) => void): {
  push(message: T, moved?: ArrayBuffer): void;
} {
  let batch: T[] = [];
  let transfer: ArrayBuffer[] = [];
  return {
    push(message, moved) {
      if (batch.length === 0) {
        setImmediate(() => {
          const out = batch;
          const buffers = transfer;
          batch = [];
          transfer = [];
          send(out, buffers);
        });
      }
      batch.push(message);
      if (moved) transfer.push(moved);
    },
  };
}
