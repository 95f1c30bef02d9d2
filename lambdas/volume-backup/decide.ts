import * as z from 'zod/mini';
import type { TreeNode } from '../core/snapshot/format';

/**
 * Events the backup function accepts:
 * - the EventBridge schedule (`detail-type: Scheduled Event`): back up, resuming any checkpoint;
 * - `{ "bulkhead": "backup-continue" }` from the continuation rule: resume a checkpointed run, and
 *   do nothing (one S3 GET) when there is none;
 * - `{ "bulkhead": "backup-now" }`: a manual run.
 * zod/mini, as everything in the Lambda bundle (classic zod added 422 KB to it).
 */
export const backupEventSchema = z.union([
  z.looseObject({ 'detail-type': z.literal('Scheduled Event'), time: z.optional(z.string()) }),
  z.looseObject({ bulkhead: z.enum(['backup-continue', 'backup-now']) }),
]);

/** A parsed event. */
export type BackupEvent = z.infer<typeof backupEventSchema>;

/** What the run should do. */
export type BackupPlan =
  | { readonly action: 'backup'; readonly reason: string }
  | { readonly action: 'idle'; readonly reason: string };

/** Pure: schedule and manual runs back up; a continuation only when a checkpoint waits. */
export function planRun(event: BackupEvent, checkpointWaiting: boolean): BackupPlan {
  if ('bulkhead' in event && event.bulkhead === 'backup-continue') {
    return checkpointWaiting
      ? { action: 'backup', reason: 'a checkpointed run is waiting: resume it' }
      : { action: 'idle', reason: 'no checkpoint to resume' };
  }
  return {
    action: 'backup',
    reason:
      'bulkhead' in event
        ? 'manual run'
        : checkpointWaiting
          ? 'schedule (resuming a checkpoint)'
          : 'schedule',
  };
}

/** Pure: stop reading new files once less than `marginMs` of the invocation remains. */
export function shouldCheckpoint(remainingMs: number, marginMs: number): boolean {
  return remainingMs < marginMs;
}

/**
 * Pure: the restore-drill sample. Files with content, spread over the tree by a hash of the
 * snapshot ID (so every run checks different files), capped at `maxBytes` in total.
 */
export function pickDrillSample(
  tree: readonly TreeNode[],
  snapshotId: string,
  count: number,
  maxBytes: number,
): TreeNode[] {
  const files = tree.filter((n) => n.type === 'file' && (n.size ?? 0) > 0 && (n.size ?? 0) <= maxBytes);
  if (count === 0 || files.length === 0) return [];
  let seed = Number.parseInt(snapshotId.slice(0, 8), 16) >>> 0;
  const picked: TreeNode[] = [];
  const used = new Set<number>();
  let bytes = 0;
  for (let attempts = 0; picked.length < Math.min(count, files.length) && attempts < count * 20; attempts++) {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    const i = seed % files.length;
    if (used.has(i)) continue;
    used.add(i);
    if (bytes + (files[i].size ?? 0) > maxBytes) continue;
    bytes += files[i].size ?? 0;
    picked.push(files[i]);
  }
  return picked;
}
