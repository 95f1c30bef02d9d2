import { createHash } from 'node:crypto';
import { BACKUP_METRICS, type BackupRuntimeConfig } from '../config/backup-runtime';
import { type BackupResult, runBackup } from '../core/snapshot/backup';
import type { CodecSet } from '../core/snapshot/codec';
import { KEYS, type SnapshotManifest, sourceKey, type TreeNode } from '../core/snapshot/format';
import { LeaseHeldError, withRepositoryLease } from '../core/snapshot/repo-lease';
import { Repository, RepositoryError } from '../core/snapshot/repository';
import { runRestore } from '../core/snapshot/restore';
import type { Clock } from '../ports/clock';
import type { RestoreTarget, SourceTree } from '../ports/file-tree';
import type { KeyManagement } from '../ports/key-management';
import type { Log } from '../ports/log';
import type { MetricSink } from '../ports/metrics';
import type { ObjectStore } from '../ports/object-store';
import { backupEventSchema, pickDrillSample, planRun, shouldCheckpoint } from './decide';

/** The function's name in metrics and lease holders. */
export const VOLUME_BACKUP = 'volume-backup';

/** Largest total size the restore drill restores into the scratch directory (Lambda /tmp is 512 MB by default). */
export const DRILL_MAX_BYTES = 64 * 1024 * 1024;

/** Scratch space for the restore drill: a writer and a reader over the same, emptied directory. */
export interface DrillScratch {
  readonly target: RestoreTarget;
  readonly read: SourceTree;
  /** Empties the directory (before and after a drill). */
  reset(): Promise<void>;
}

/** Ports and config of the backup shell. */
export interface VolumeBackupDeps {
  readonly store: ObjectStore;
  /** The mounted volume (read-only). */
  readonly source: SourceTree;
  readonly codecs: CodecSet;
  readonly clock: Clock;
  readonly log: Log;
  readonly metrics: MetricSink;
  readonly config: BackupRuntimeConfig;
  /** KMS, for a repository keyed by a KMS data key (`config.kmsKeyArn`, or one made so by the CLI). @default none */
  readonly kms?: KeyManagement;
  /** @default no restore drill */
  readonly drill?: DrillScratch;
  /** Lease holder name for this invocation. @default `volume-backup:<time>` */
  readonly holder?: (requestId?: string) => string;
}

/** The Lambda context, as far as the shell uses it. */
export interface BackupContext {
  getRemainingTimeInMillis(): number;
  readonly awsRequestId?: string;
}

/** Result of a restore drill. */
export interface DrillResult {
  readonly checked: number;
  /** Files changed on the volume since the backup read them: not comparable. */
  readonly changedSince: number;
  readonly mismatches: readonly string[];
}

/** What one invocation did. */
export type VolumeBackupResult =
  | { readonly status: 'invalid-event'; readonly error: string }
  | { readonly status: 'idle'; readonly reason: string }
  | { readonly status: 'locked'; readonly heldBy: string; readonly until: string }
  | {
      readonly status: BackupResult['status'];
      readonly reason: string;
      readonly snapshotId?: string;
      readonly stats: BackupResult['stats'];
      readonly skipped: number;
      readonly recoveredPacks: number;
      readonly resumed: boolean;
      readonly drill?: DrillResult;
    };

async function hashOf(tree: SourceTree, path: string): Promise<string> {
  const file = await tree.open(path);
  const hash = createHash('sha256');
  const buf = new Uint8Array(1024 * 1024);
  try {
    for (;;) {
      const n = await file.read(buf, 0, buf.length);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}

/**
 * Builds the scheduled backup handler: parse → gather (checkpoint waiting?) → decide (back up, or
 * idle) → act (under the repository lease; checkpoint before the invocation's time runs out) →
 * record (EMF metrics; the snapshot itself is the audit record). Continuation: a checkpointed run
 * is resumed by the next continuation event (every 15 minutes by default) or the next schedule.
 */
export function createVolumeBackupHandler(deps: VolumeBackupDeps) {
  const { config, log, metrics, clock, store } = deps;
  const src = sourceKey(config.sourceName, config.sourcePath);

  async function drill(
    repo: Repository,
    snapshotId: string,
    tree: readonly TreeNode[],
  ): Promise<DrillResult> {
    const scratch = deps.drill;
    const sample = scratch
      ? pickDrillSample(tree, snapshotId, config.restoreDrillFiles, DRILL_MAX_BYTES)
      : [];
    if (!scratch || sample.length === 0) return { checked: 0, changedSince: 0, mismatches: [] };
    await scratch.reset();
    try {
      await runRestore(repo, tree, scratch.target, { include: sample.map((n) => n.path) });
      const mismatches: string[] = [];
      let changedSince = 0;
      for (const node of sample) {
        const now = await deps.source.lstat(node.path).catch(() => undefined);
        if (!now || now.size !== node.size || now.mtimeNs !== node.mtimeNs) {
          changedSince++;
          continue;
        }
        const [restored, original] = await Promise.all([
          hashOf(scratch.read, node.path),
          hashOf(deps.source, node.path),
        ]);
        if (restored !== original) mismatches.push(node.path);
      }
      return { checked: sample.length - changedSince, changedSince, mismatches };
    } finally {
      await scratch.reset();
    }
  }

  return async (event: unknown, context?: BackupContext): Promise<VolumeBackupResult> => {
    const parsed = backupEventSchema.safeParse(event);
    if (!parsed.success) {
      const error = `not a backup event: ${JSON.stringify(event)?.slice(0, 300)}`;
      log.error(error);
      return { status: 'invalid-event', error };
    }
    const checkpointWaiting = (await store.head(KEYS.checkpoint(src))) !== undefined;
    const plan = planRun(parsed.data, checkpointWaiting);
    if (plan.action === 'idle') {
      log.info('nothing to do', { reason: plan.reason });
      return { status: 'idle', reason: plan.reason };
    }
    const remaining = () => context?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY;
    const holder =
      deps.holder?.(context?.awsRequestId) ?? `${VOLUME_BACKUP}:${context?.awsRequestId ?? clock.nowMs()}`;
    const started = clock.nowMs();
    let repo: Repository;
    let result: BackupResult;
    try {
      repo = await Repository.init(store, deps.codecs, {
        id: `${config.sourceName}-${started}`,
        nowMs: started,
        kmsKeyId: config.kmsKeyArn,
        kms: deps.kms,
      });
      result = await withRepositoryLease(
        store,
        { holder, ttlMs: config.leaseTtlMs, nowMs: () => clock.nowMs() },
        (heartbeat) =>
          runBackup(repo, deps.source, {
            hostname: config.sourceName,
            path: config.sourcePath,
            nowMs: () => clock.nowMs(),
            heartbeat,
            shouldStop: () => shouldCheckpoint(remaining(), config.checkpointMarginMs),
          }),
      );
    } catch (error) {
      if (error instanceof LeaseHeldError) {
        log.warn('repository lease held elsewhere; this run does nothing', { heldBy: error.heldBy });
        metrics.put(BACKUP_METRICS.locked, 1, 'Count');
        metrics.flush();
        return {
          status: 'locked',
          heldBy: error.heldBy.holder,
          until: new Date(error.heldBy.expiresAtMs).toISOString(),
        };
      }
      log.error('backup failed', { error: error instanceof Error ? error.message : String(error) });
      metrics.put(BACKUP_METRICS.success, 0, 'Count');
      metrics.flush();
      throw error;
    }

    const s = result.stats;
    metrics.put(BACKUP_METRICS.bytesRead, s.bytesRead, 'Bytes');
    metrics.put(BACKUP_METRICS.bytesAdded, s.bytesAdded, 'Bytes');
    metrics.put(BACKUP_METRICS.files, s.files, 'Count');
    metrics.put(BACKUP_METRICS.duration, (clock.nowMs() - started) / 1000, 'Seconds');
    metrics.put(BACKUP_METRICS.skippedFiles, result.skipped.length, 'Count');
    let drillResult: DrillResult | undefined;
    if (result.status === 'complete') {
      metrics.put(BACKUP_METRICS.success, 1, 'Count');
      if (config.restoreDrillFiles > 0 && deps.drill) {
        // The manifest just written, by its key (findSnapshot would list and decode every snapshot).
        const manifest = await repo.getMeta<SnapshotManifest>(KEYS.snapshot(result.snapshotId));
        if (!manifest) throw new RepositoryError(`no snapshot matches ${JSON.stringify(result.snapshotId)}`);
        drillResult = await drill(repo, result.snapshotId, await repo.readTree(manifest.tree));
        metrics.put(BACKUP_METRICS.drillFailures, drillResult.mismatches.length, 'Count');
        if (drillResult.mismatches.length > 0)
          log.error('restore drill: restored files differ from the volume', { ...drillResult });
      }
    } else {
      metrics.put(BACKUP_METRICS.checkpointed, 1, 'Count');
    }
    metrics.flush();
    for (const k of result.skipped) log.warn('skipped unreadable entry', { path: k.path, error: k.error });
    const out = {
      status: result.status,
      reason: plan.reason,
      snapshotId: result.status === 'complete' ? result.snapshotId : undefined,
      stats: s,
      skipped: result.skipped.length,
      recoveredPacks: result.recoveredPacks,
      resumed: result.resumed,
      drill: drillResult,
    };
    log.info(
      result.status === 'complete' ? 'backup complete' : 'backup checkpointed; the next invocation resumes',
      out,
    );
    return out;
  };
}
