import * as path from 'node:path';
import { backupEventSchema } from '../../lambdas/volume-backup/decide';
import { VOLUME_BACKUP, type VolumeBackupResult } from '../../lambdas/volume-backup/function';
import { PowertoolsDimensionSink } from './powertools-sink';
import { RecordingObjectStore, type StoreAction } from './recording-object-store';
import type { SimWorld } from './runner';
import { type Scenario, scenarioSchema } from './scenario';
import { backupContext, drillBackupHandler, drillRepo, type VolumeOutcome } from './volume';

/** What `invoke` needs to hand one event to the backup function in a simulated world. */
export interface VolumeBackupInvocation {
  readonly world: SimWorld;
  readonly event: unknown;
  /** Scratch directory of the run: the restore drill goes here, and the repository when there is no `repo`. */
  readonly workDir: string;
  /** `--repo`: a directory or `s3://bucket/prefix`. @default `<workDir>/repo`, removed with workDir */
  readonly repo?: string;
  /** `--endpoint` of an `s3://` repo. @default AWS S3 */
  readonly endpoint?: string;
}

/** The handler's result, its decision line, and the repository writes it made. */
export interface VolumeBackupOutcome {
  readonly result: VolumeBackupResult;
  /** Undefined when the handler refused the event (`invalid-event`): see {@link backupEventProblems}. */
  readonly decision?: { kind: string; reason: string };
  readonly actions: readonly StoreAction[];
  /** Where the repository is, for the world line. */
  readonly repository: string;
  /** What the volume held when the event arrived, for the world line. */
  readonly volume: string;
}

/**
 * The scenario as `invoke volume-backup` plays it: its own volume, or (a scenario without one, such
 * as the default steady state) the scenario format's default volume (`"volume": {}`: 50 generated
 * files).
 */
export function withVolume(scenario: Scenario): Scenario {
  return scenario.volume ? scenario : { ...scenario, volume: scenarioSchema.shape.volume.unwrap().parse({}) };
}

/**
 * Runs the backup function's real handler (`createVolumeBackupHandler`, wired as the drill wires it)
 * on one raw event: the world's data volume is the source, the repository is `repo` or a temporary
 * one, and every object it writes is recorded as an action.
 */
export async function invokeVolumeBackup(inv: VolumeBackupInvocation): Promise<VolumeBackupOutcome> {
  const { world } = inv;
  const volumeDir = world.ctx.volumeDir;
  if (!volumeDir) throw new Error('the simulated world has no data volume (withVolume() was not applied)');
  const repository = inv.repo ?? path.join(inv.workDir, 'repo');
  const repo = await drillRepo(inv.repo, inv.endpoint, repository);
  const store = new RecordingObjectStore(repo.store);
  const { region } = world.topology;
  const handler = drillBackupHandler({
    volumeDir,
    store,
    scratch: path.join(inv.workDir, 'restore-drill'),
    nowMs: () => region.nowMs(),
    metrics: new PowertoolsDimensionSink(region.metrics, VOLUME_BACKUP),
    kms: repo.kms,
  });
  const result = await handler(inv.event, backupContext());
  return {
    result,
    decision: decisionOf(result),
    actions: store.actions,
    repository: inv.repo ?? 'a temporary local directory (removed afterwards)',
    volume: describeVolume(world.result.volume),
  };
}

/** `50 generated files, orders/2021/ledger-0007.json deleted by the scenario (not restored)`. */
function describeVolume(v: VolumeOutcome | undefined): string {
  if (!v) return 'none';
  const deleted = v.deleted
    ? `, ${v.deleted} deleted by the scenario (${v.restored ? 'restored' : 'not restored'})`
    : '';
  return `${v.files} generated files${deleted} in a temporary directory`;
}

/** The handler's status as the decision, and what it did as the reason. */
function decisionOf(r: VolumeBackupResult): VolumeBackupOutcome['decision'] {
  switch (r.status) {
    case 'invalid-event':
      return undefined;
    case 'idle':
      return { kind: 'idle', reason: r.reason };
    case 'locked':
      return { kind: 'locked', reason: `the repository lease is held by ${r.heldBy} until ${r.until}` };
    default: {
      const s = r.stats;
      const parts = [
        r.reason,
        r.snapshotId
          ? `snapshot ${r.snapshotId}`
          : 'no snapshot yet (checkpoint saved; the next run resumes)',
        `${s.files} files (${s.filesUnchanged} unchanged since the parent snapshot), ${s.dirs} dirs`,
        `${s.bytesRead} of ${s.bytesTotal} bytes read, ${s.bytesAdded} stored bytes added in ${s.packsWritten} packs`,
        ...(r.resumed ? ['resumed a checkpoint'] : []),
        ...(r.skipped > 0 ? [`${r.skipped} unreadable entries skipped`] : []),
        ...(r.recoveredPacks > 0 ? [`${r.recoveredPacks} packs recovered from an interrupted run`] : []),
        r.drill
          ? `restore drill: ${r.drill.checked} files restored and compared, ${r.drill.mismatches.length} mismatches${r.drill.changedSince > 0 ? `, ${r.drill.changedSince} changed since` : ''}`
          : 'no restore drill',
      ];
      return { kind: r.status, reason: parts.join('; ') };
    }
  }
}

/**
 * Why the backup function's event schema refuses `raw`, naming each field, for both kinds of event
 * it accepts: the EventBridge schedule, and Bulkhead's own `{ "bulkhead": ... }` requests.
 */
export function backupEventProblems(raw: unknown): string {
  const parsed = backupEventSchema.safeParse(raw);
  if (parsed.success) return '';
  const problems = parsed.error.issues.flatMap((issue) =>
    issue.code === 'invalid_union'
      ? issue.errors.map((alternative) => alternative.map((i) => describeIssue(i, raw)).join(', '))
      : [describeIssue(issue, raw)],
  );
  return [...new Set(problems)].join('; or ');
}

/** `detail-type must be "Scheduled Event" (got "ECS Task State Change")`. */
function describeIssue(
  issue: {
    readonly path: readonly PropertyKey[];
    readonly values?: readonly unknown[];
    readonly expected?: string;
  },
  raw: unknown,
): string {
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'the event';
  let got: unknown = raw;
  for (const key of issue.path)
    got = typeof got === 'object' && got !== null ? (got as Record<PropertyKey, unknown>)[key] : undefined;
  const want = issue.values
    ? issue.values.length === 1
      ? JSON.stringify(issue.values[0])
      : `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`
    : `a${/^[aeiou]/.test(issue.expected ?? '') ? 'n' : ''} ${issue.expected ?? 'valid value'}`;
  return `${field} must be ${want} (got ${got === undefined ? 'nothing' : JSON.stringify(got).slice(0, 80)})`;
}
