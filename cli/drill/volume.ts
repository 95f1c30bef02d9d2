import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { NodeRestoreTarget, NodeSourceTree } from '../../lambdas/adapters/local/node-file-tree';
import { Prng } from '../../lambdas/adapters/sim/prng';
import { backupRuntimeSchema } from '../../lambdas/config/backup-runtime';
import { isKmsEncryption } from '../../lambdas/core/snapshot/crypto';
import { Repository, RepositoryError } from '../../lambdas/core/snapshot/repository';
import { runRestore } from '../../lambdas/core/snapshot/restore';
import type { KeyManagement } from '../../lambdas/ports/key-management';
import { type Log, RecordingLog } from '../../lambdas/ports/log';
import type { MetricSink } from '../../lambdas/ports/metrics';
import type { ObjectStore } from '../../lambdas/ports/object-store';
import {
  type BackupContext,
  createVolumeBackupHandler,
  type VolumeBackupResult,
} from '../../lambdas/volume-backup/function';
import { cliCodecs, repoKeys, storeFor } from '../backup/repo-options';

/** Time an invocation gets in the drill: the stack's function timeout (15 minutes, Lambda's maximum). */
export const DRILL_BACKUP_TIMEOUT_MS = 900_000;

/** The Lambda context the drill hands the backup function (a fresh invocation's remaining time). */
export function backupContext(): { getRemainingTimeInMillis(): number } {
  return { getRemainingTimeInMillis: () => DRILL_BACKUP_TIMEOUT_MS };
}

/**
 * The repository the drill's backup handler writes to and the KMS it gets: a user's `--repo` (see
 * {@link drillRepoStore}) with KMS, as the deployed handler has; else the local directory
 * `localDir`, unencrypted, without KMS.
 */
export async function drillRepo(
  repo: string | undefined,
  endpoint: string | undefined,
  localDir: string,
): Promise<{ store: ObjectStore; kms?: KeyManagement }> {
  if (!repo) return { store: await storeFor(localDir) };
  return { store: await drillRepoStore(repo, endpoint), kms: repoKeys().kms };
}

/**
 * The store of a user's `--repo`, checked for what the Lambda's handler can open: unencrypted or
 * keyed by KMS (the deployed function has no passphrase, so the drill, which runs that handler,
 * has none either). Throws a clear error for a passphrase repository instead of the handler's
 * "give its passphrase".
 */
async function drillRepoStore(url: string, endpoint: string | undefined): Promise<ObjectStore> {
  const store = await storeFor(url, endpoint);
  const config = await Repository.readConfig(store).catch((error: unknown) => {
    if (error instanceof RepositoryError) return undefined; // none yet: the handler creates it
    throw error;
  });
  const encryption = config?.encryption;
  if (encryption && !isKmsEncryption(encryption))
    throw new Error(
      `${url} is encrypted with a passphrase: the drill runs the backup Lambda's handler, which opens only unencrypted repositories and ones keyed by KMS (bulkhead init --kms-key); give another --repo`,
    );
  return store;
}

/**
 * Bulkhead's real backup function (`createVolumeBackupHandler`, the handler the hourly schedule runs
 * on Lambda) over a local directory standing for the EFS volume, writing to `store`, with its restore
 * drill in `scratch`: the drill's and `bulkhead invoke volume-backup`'s one wiring of it.
 */
export function drillBackupHandler(opts: {
  readonly volumeDir: string;
  readonly store: ObjectStore;
  /** Scratch directory of the restore drill (emptied before and after). */
  readonly scratch: string;
  readonly nowMs: () => number;
  readonly metrics: MetricSink;
  /** @default a RecordingLog nobody reads */
  readonly log?: Log;
  /** KMS, for a `--repo` keyed by a KMS data key (as the deployed handler has). @default none */
  readonly kms?: KeyManagement;
}): (event: unknown, context?: BackupContext) => Promise<VolumeBackupResult> {
  const { scratch } = opts;
  return createVolumeBackupHandler({
    store: opts.store,
    source: new NodeSourceTree(opts.volumeDir),
    codecs: cliCodecs(),
    clock: { nowMs: opts.nowMs },
    log: opts.log ?? new RecordingLog(),
    metrics: opts.metrics,
    ...(opts.kms ? { kms: opts.kms } : {}),
    config: backupRuntimeSchema.parse({
      bucket: 'drill-local',
      prefix: '',
      sourcePath: '/mnt/data',
      sourceName: 'drill-volume',
      leaseTtlMs: 600_000,
      checkpointMarginMs: 150_000,
      restoreDrillFiles: 5,
      codec: 'zstd',
    }),
    drill: {
      target: new NodeRestoreTarget(scratch),
      read: new NodeSourceTree(scratch),
      reset: async () => {
        await rm(scratch, { recursive: true, force: true });
        await mkdir(scratch, { recursive: true });
      },
    },
  });
}

/** What happened to the data volume in a run. */
export interface VolumeOutcome {
  readonly files: number;
  readonly bytes: number;
  readonly backedUp: boolean;
  readonly deleted?: string;
  readonly restored: boolean;
  /** SHA-256 of the file before deletion and after restore (equal when byte-identical). */
  readonly sha256Before?: string;
  readonly sha256After?: string;
  readonly byteIdentical: boolean;
  readonly note: string;
  readonly snapshotId?: string;
}

/**
 * The service's data volume as a local directory of generated files (seeded, so every run has the
 * same bytes), plus the drill's view of its backups.
 */
export class VolumeUnderTest {
  private backedUp = false;
  private deleted: string | undefined;
  private restored = false;
  private before: string | undefined;
  private after: string | undefined;
  private note = 'no file was deleted';
  private bytes = 0;
  private snapshotId: string | undefined;

  private constructor(
    readonly dir: string,
    readonly repoDir: string,
    private readonly files: number,
    readonly repo: string | undefined,
    private readonly endpoint: string | undefined,
  ) {}

  /**
   * Creates the volume directory under `workDir/<mode>/volume` with `files` generated files. `repo`
   * (`--repo`) replaces the local repository; `endpoint` (`--endpoint`) is the S3-compatible server
   * an `s3://` repo lives on.
   */
  static async create(
    workDir: string,
    mode: string,
    seed: number,
    files: number,
    repo?: string,
    endpoint?: string,
  ): Promise<VolumeUnderTest> {
    const dir = path.join(workDir, mode, 'volume');
    const repoDir = path.join(workDir, mode, 'repo');
    await rm(path.join(workDir, mode), { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const v = new VolumeUnderTest(dir, repoDir, files, repo, endpoint);
    const rng = new Prng(seed).fork('volume');
    for (let i = 0; i < files; i++) {
      const rel = `orders/${2020 + (i % 6)}/ledger-${String(i).padStart(4, '0')}.json`;
      const lines = Array.from({ length: 20 + (rng.nextUint32() % 200) }, (_, k) =>
        JSON.stringify({ id: `${i}-${k}`, amount: rng.nextUint32() % 100_000, note: rng.hex(24) }),
      );
      const body = `${lines.join('\n')}\n`;
      await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await writeFile(path.join(dir, rel), body);
      v.bytes += Buffer.byteLength(body);
    }
    return v;
  }

  /** The repository: `--repo` when given, else a local directory next to the volume. */
  private repoUrl(): string {
    return this.repo ?? this.repoDir;
  }

  /**
   * Backs the volume up with Bulkhead's real backup function (`createVolumeBackupHandler`, the
   * handler the hourly schedule runs on Lambda) on a "Scheduled Event", into a local repository (or
   * `--repo`), with its restore drill; the baseline takes none.
   */
  async backup(
    mode: string,
    nowMs: () => number,
    metrics: MetricSink,
  ): Promise<{ actor: string; summary: string }> {
    if (mode === 'baseline') return { actor: 'drill', summary: 'plain ECS takes no backup of the volume' };
    const { store, kms } = await drillRepo(this.repo, this.endpoint, this.repoDir);
    const handler = drillBackupHandler({
      volumeDir: this.dir,
      store,
      scratch: path.join(path.dirname(this.dir), 'restore-drill'),
      nowMs,
      metrics,
      kms,
    });
    const event = {
      version: '0',
      id: `drill-backup-${nowMs()}`,
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '111111111111',
      time: new Date(nowMs()).toISOString(),
      region: 'us-east-1',
      resources: ['arn:aws:events:us-east-1:111111111111:rule/Bulkhead-backup-schedule'],
      detail: {},
    };
    const result = await handler(event, backupContext());
    if (result.status !== 'complete')
      return {
        actor: 'volume-backup',
        summary: `backup ${result.status}: ${JSON.stringify(result).slice(0, 200)}`,
      };
    this.backedUp = true;
    this.snapshotId = result.snapshotId;
    const drill = result.drill
      ? `; restore drill checked ${result.drill.checked}, ${result.drill.mismatches.length} mismatches`
      : '';
    return {
      actor: 'volume-backup',
      summary: `snapshot ${result.snapshotId?.slice(0, 12)}: ${result.stats.files} files, ${result.stats.bytesTotal} bytes${drill}`,
    };
  }

  /** Deletes one file of the volume (the fault), remembering its hash. */
  async deleteFile(rel: string): Promise<void> {
    const file = path.join(this.dir, rel);
    try {
      this.before = sha256(await readFile(file));
    } catch (error) {
      throw new Error(
        `delete-file: ${rel} is not a file of the generated volume (${(error as Error).message})`,
      );
    }
    await rm(file);
    this.deleted = rel;
  }

  /**
   * Restores the deleted file from the latest snapshot (the one this run's backup took) and compares
   * it byte for byte.
   */
  async recover(rel: string, mode: string): Promise<{ actor: string; restored: boolean; summary: string }> {
    if (mode === 'baseline') {
      this.note = `${rel} is lost: plain ECS has no backup to restore from`;
      return { actor: 'drill', restored: false, summary: this.note };
    }
    if (!this.backedUp || this.snapshotId === undefined) {
      this.note = `${rel} not restored: no snapshot was taken before the deletion`;
      return { actor: 'drill', restored: false, summary: this.note };
    }
    const repo = await Repository.open(
      await storeFor(this.repoUrl(), this.endpoint),
      cliCodecs(),
      this.repo ? { kms: repoKeys().kms } : {},
    );
    // By ID, not 'latest': every drill starts at the same simulated instant, so an --repo that already
    // holds an earlier drill's snapshot has two with the same time, and 'latest' may pick the other.
    const snap = await repo.findSnapshot(this.snapshotId);
    const tree = await repo.readTree(snap.manifest.tree);
    await runRestore(repo, tree, new NodeRestoreTarget(this.dir), { include: [rel] });
    try {
      this.after = sha256(await readFile(path.join(this.dir, rel)));
    } catch (error) {
      this.note = `${rel} not restored: ${(error as Error).message}`;
      return { actor: 'volume-backup', restored: false, summary: this.note };
    }
    this.restored = true;
    const same = this.after === this.before;
    this.note = `${rel} restored from snapshot ${snap.id.slice(0, 12)}; sha256 ${same ? 'matches' : 'DIFFERS'}`;
    return { actor: 'volume-backup', restored: same, summary: this.note };
  }

  /** The outcome for the report. */
  outcome(): VolumeOutcome {
    return {
      files: this.files,
      bytes: this.bytes,
      backedUp: this.backedUp,
      ...(this.deleted ? { deleted: this.deleted } : {}),
      restored: this.restored,
      ...(this.before ? { sha256Before: this.before } : {}),
      ...(this.after ? { sha256After: this.after } : {}),
      byteIdentical: this.restored && this.before !== undefined && this.before === this.after,
      note: this.note,
      ...(this.snapshotId ? { snapshotId: this.snapshotId } : {}),
    };
  }
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
