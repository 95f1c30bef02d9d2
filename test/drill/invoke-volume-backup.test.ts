import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { cliCodecs } from '../../cli/backup/repo-options';
import { invokeFunction } from '../../cli/drill/invoke';
import { backupEventProblems } from '../../cli/drill/invoke-volume-backup';
import { DirObjectStore } from '../../lambdas/adapters/local/dir-object-store';
import { KEYS } from '../../lambdas/core/snapshot/format';
import { Repository } from '../../lambdas/core/snapshot/repository';
import type { VolumeBackupResult } from '../../lambdas/volume-backup/function';
import { runBulkhead } from '../run-bulkhead';
import { useS3rver } from './s3rver-env';

const EVENTS = path.join(__dirname, '..', '..', 'cli', 'drill', 'events');
const SCHEDULE = path.join(EVENTS, 'schedule.json');

// Each call plays a simulated scenario for several minutes first.
jest.setTimeout(60_000);

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'bulkhead-invoke-backup-test-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The `bulkhead invoke` work directories in the temp dir now. */
async function invokeWorkDirs(): Promise<Set<string>> {
  return new Set(
    (await readdir(tmpdir())).filter((n) => n.startsWith('bulkhead-invoke-') && !n.includes('test')),
  );
}

/** The file paths of a snapshot's tree. */
async function filesOf(repo: Repository, snapshotId: string): Promise<string[]> {
  const snap = await repo.findSnapshot(snapshotId);
  return (await repo.readTree(snap.manifest.tree)).filter((n) => n.type === 'file').map((n) => n.path);
}

type Complete = Extract<VolumeBackupResult, { snapshotId?: string }>;

describe('bulkhead invoke volume-backup (simulated volume)', () => {
  test('GIVEN data-loss and the raw schedule event WHEN volume-backup runs into --repo THEN the snapshot it reports is in the repository with the files it reports, and the temporary volume is removed', async () => {
    const repoDir = path.join(work, 'repo');
    const before = await invokeWorkDirs();

    // WHEN at the default time (first fault + 300 s): the file was deleted at 600 s, and the
    // scenario's own backup at 60 s sat out with the invoked function, so nothing restored it.
    const out = await invokeFunction({
      fn: 'volume-backup',
      eventFile: SCHEDULE,
      scenario: 'data-loss',
      seed: 1,
      repo: repoDir,
    });

    expect(out.event).toMatchObject({ 'detail-type': 'Scheduled Event', source: 'aws.events' });
    expect(out.world).toMatch(
      /scenario data-loss at 900 s .*volume: 50 generated files, orders\/2021\/ledger-0007.json deleted by the scenario \(not restored\)/,
    );
    const result = out.result as Complete;
    expect(result.status).toBe('complete');
    expect(result.snapshotId).toMatch(/^[0-9a-f]{64}$/);
    expect(out.decision?.kind).toBe('complete');
    expect(out.decision?.reason).toContain(`schedule; snapshot ${result.snapshotId}; 49 files`);
    expect(out.decision?.reason).toMatch(/restore drill: 5 files restored and compared, 0 mismatches/);

    // THEN the engine opens the repository and finds that snapshot, with the files reported.
    const repo = await Repository.open(new DirObjectStore(repoDir), cliCodecs());
    expect((await repo.listSnapshots()).map((s) => s.id)).toEqual([result.snapshotId]);
    const files = await filesOf(repo, result.snapshotId ?? '');
    expect(files).toHaveLength(result.stats.files);
    expect(files).toHaveLength(49);
    expect(files).toContain('orders/2020/ledger-0000.json');
    expect(files).not.toContain('orders/2021/ledger-0007.json');

    // ... the actions are the objects it wrote, the snapshot last under the lease ...
    expect(out.actions.map((a) => [a.api, a.target, a.result])).toEqual(
      expect.arrayContaining([
        ['PutObject', KEYS.config, 'ok'],
        ['PutObject', KEYS.snapshot(result.snapshotId ?? ''), 'ok'],
        ['DeleteObject', KEYS.lock, 'ok'],
      ]),
    );
    expect(out.actions.filter((a) => a.target.startsWith(KEYS.dataPrefix))).toHaveLength(
      result.stats.packsWritten,
    );
    // ... and the temporary volume and scratch are gone, the --repo kept.
    const after = await invokeWorkDirs();
    expect([...after].filter((n) => !before.has(n))).toEqual([]);

    // WHEN again before the deletion, into the same repository THEN a second snapshot holds the file.
    const early = await invokeFunction({
      fn: 'volume-backup',
      eventFile: SCHEDULE,
      scenario: 'data-loss',
      at: 300,
      seed: 1,
      repo: repoDir,
    });
    const second = early.result as Complete;
    expect(second.status).toBe('complete');
    const reopened = await Repository.open(new DirObjectStore(repoDir), cliCodecs());
    expect((await reopened.listSnapshots()).map((s) => s.id).sort()).toEqual(
      [result.snapshotId, second.snapshotId].sort(),
    );
    expect(await filesOf(reopened, second.snapshotId ?? '')).toContain('orders/2021/ledger-0007.json');
    // The 49 files it shares with the first snapshot are deduplicated.
    expect(second.stats.bytesAdded).toBeLessThan(result.stats.bytesAdded / 4);
  });

  test('GIVEN no scenario (steady state, no volume) WHEN volume-backup runs THEN it backs up the default volume of 50 files into a temporary repository', async () => {
    const out = await invokeFunction({ fn: 'volume-backup', eventFile: SCHEDULE, seed: 2 });
    expect(out.world).toMatch(
      /scenario steady at 600 s .*volume: 50 generated files.*temporary local directory/,
    );
    expect(out.decision?.kind).toBe('complete');
    expect((out.result as Complete).stats.files).toBe(50);
  });

  test("GIVEN the continuation rule's event and no checkpoint WHEN volume-backup runs THEN it is idle and writes nothing", async () => {
    const event = path.join(EVENTS, 'backup-continue.json');
    const out = await invokeFunction({ fn: 'volume-backup', eventFile: event, seed: 1 });
    expect(out.event).toEqual({ bulkhead: 'backup-continue' });
    expect(out.decision).toEqual({ kind: 'idle', reason: 'no checkpoint to resume' });
    expect(out.actions).toEqual([]);
  });

  test.each([
    [
      { 'detail-type': 'ECS Task State Change' },
      'detail-type must be "Scheduled Event" (got "ECS Task State Change"); or bulkhead must be one of "backup-continue", "backup-now" (got nothing)',
    ],
    [
      { 'detail-type': 'Scheduled Event', time: 5 },
      'time must be a string (got 5); or bulkhead must be one of "backup-continue", "backup-now" (got nothing)',
    ],
    [
      { bulkhead: 'backup-later' },
      'detail-type must be "Scheduled Event" (got nothing); or bulkhead must be one of "backup-continue", "backup-now" (got "backup-later")',
    ],
    [[1], 'the event must be an object (got [1])'],
  ])('GIVEN the event %j THEN the problem names the field: %s', (event, problem) => {
    expect(backupEventProblems(event)).toBe(problem);
  });
});

describe('bulkhead invoke volume-backup (the real bin)', () => {
  test('GIVEN a malformed event WHEN invoked THEN it exits 2 naming the field, and prints no result', async () => {
    const r = await runBulkhead(
      {},
      'invoke',
      'volume-backup',
      '--event',
      path.join(EVENTS, 'task-stopped.json'),
    );
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('the volume-backup handler refused it (invalid-event)');
    expect(r.err).toContain('detail-type must be "Scheduled Event" (got "ECS Task State Change")');
  });

  test('GIVEN --live (with or without --dry-run) WHEN invoked THEN it is refused with exit 2, pointing at the deployed function', async () => {
    for (const flags of [['--live'], ['--live', '--dry-run']]) {
      const r = await runBulkhead({}, 'invoke', 'volume-backup', '--event', SCHEDULE, ...flags);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/volume-backup cannot run with --live: it reads the EFS volume/);
      expect(r.err).toMatch(/aws lambda invoke --function-name/);
    }
  });

  test('GIVEN --help THEN it lists volume-backup, --repo and an example', async () => {
    const r = await runBulkhead({}, 'invoke', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/availability \| volume-backup/);
    expect(r.out).toMatch(/--repo <dir\|s3:\/\/bucket\/prefix>/);
    expect(r.out).toContain(
      'bulkhead invoke volume-backup --event cli/drill/events/schedule.json --scenario data-loss',
    );
  });
});

describe('bulkhead invoke volume-backup --repo s3://… (s3rver on loopback)', () => {
  const s3 = useS3rver('invoke-repo');

  test('GIVEN an s3:// repo and its endpoint WHEN volume-backup runs THEN the snapshot is in the bucket', async () => {
    const server = s3();
    const out = await invokeFunction({
      fn: 'volume-backup',
      eventFile: SCHEDULE,
      scenario: 'data-loss',
      at: 300,
      seed: 1,
      repo: `s3://${server.bucket}/replay`,
      endpoint: server.endpoint,
    });
    const id = (out.result as Complete).snapshotId ?? '';
    expect(out.world).toContain(`repository: s3://${server.bucket}/replay`);
    const page = await server.client.send(
      new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'replay/' }),
    );
    expect((page.Contents ?? []).map((o) => o.Key)).toEqual(
      expect.arrayContaining([`replay/${KEYS.config}`, `replay/${KEYS.snapshot(id)}`]),
    );
  });
});
