import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeRestoreTarget, NodeSourceTree } from '../../lambdas/adapters/local/node-file-tree';
import { MemoryKeyManagement } from '../../lambdas/adapters/memory/memory-key-management';
import { MemoryObjectStore } from '../../lambdas/adapters/memory/memory-object-store';
import { BACKUP_METRICS, type BackupRuntimeConfig } from '../../lambdas/config/backup-runtime';
import { acquireLease } from '../../lambdas/core/lease';
import { runtimeCodecs } from '../../lambdas/core/snapshot/codec';
import { KEYS } from '../../lambdas/core/snapshot/format';
import { Repository } from '../../lambdas/core/snapshot/repository';
import { runVerify } from '../../lambdas/core/snapshot/verify';
import type { SourceTree } from '../../lambdas/ports/file-tree';
import type { KeyManagement } from '../../lambdas/ports/key-management';
import { RecordingLog } from '../../lambdas/ports/log';
import { backupEventSchema, pickDrillSample, planRun } from '../../lambdas/volume-backup/decide';
import { createVolumeBackupHandler, type DrillScratch } from '../../lambdas/volume-backup/function';
import { RecordingMetricSink } from '../recording-metric-sink';
import { prng, randomBytes } from '../seeded-random';
import { SMALL } from './helpers';

const SCHEDULE = {
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  time: '2026-11-27T22:00:00Z',
  detail: {},
};
const CONTINUE = { bulkhead: 'backup-continue' };

let work: string;
let src: string;
beforeAll(async () => {
  work = await fs.mkdtemp(path.join(tmpdir(), 'bulkhead-fn-'));
  src = path.join(work, 'volume');
  await fs.mkdir(path.join(src, 'uploads'), { recursive: true });
  for (let i = 0; i < 30; i++)
    await fs.writeFile(path.join(src, 'uploads', `f${i}.bin`), randomBytes(prng(i), 5_000 + i * 700));
  await fs.writeFile(
    path.join(src, 'db.json'),
    JSON.stringify({ rows: Array.from({ length: 2000 }, (_, i) => i) }),
  );
});
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

function setup(
  opts: { source?: SourceTree; drillFiles?: number; kmsKeyArn?: string; kms?: KeyManagement } = {},
) {
  const store = new MemoryObjectStore();
  const metrics = new RecordingMetricSink();
  const log = new RecordingLog();
  const config: BackupRuntimeConfig = {
    bucket: 'b',
    prefix: 'repo',
    sourcePath: src,
    sourceName: 'efs-data',
    leaseTtlMs: 600_000,
    checkpointMarginMs: 120_000,
    restoreDrillFiles: opts.drillFiles ?? 0,
    codec: 'brotli',
    kmsKeyArn: opts.kmsKeyArn,
  };
  const drillDir = path.join(work, `drill-${Math.random().toString(36).slice(2)}`);
  const drill: DrillScratch = {
    target: new NodeRestoreTarget(drillDir),
    read: new NodeSourceTree(drillDir),
    reset: async () => {
      await fs.rm(drillDir, { recursive: true, force: true });
      await fs.mkdir(drillDir, { recursive: true });
    },
  };
  const handler = createVolumeBackupHandler({
    store,
    source: opts.source ?? new NodeSourceTree(src),
    codecs: runtimeCodecs(undefined, 'brotli'),
    clock: { nowMs: () => Date.now() },
    log,
    metrics,
    config,
    drill,
    kms: opts.kms,
  });
  return { store, metrics, log, handler };
}

/** A repository with small packs, created before the handler's init (which keeps an existing config). */
async function smallPacks(store: MemoryObjectStore) {
  await Repository.init(store, runtimeCodecs(), { id: 't', nowMs: 0, ...SMALL });
}

describe('volume-backup decide', () => {
  test.each([
    [SCHEDULE, false, 'backup', 'schedule'],
    [SCHEDULE, true, 'backup', 'schedule (resuming a checkpoint)'],
    [CONTINUE, true, 'backup', 'a checkpointed run is waiting: resume it'],
    [CONTINUE, false, 'idle', 'no checkpoint to resume'],
    [{ bulkhead: 'backup-now' }, false, 'backup', 'manual run'],
  ] as const)('GIVEN %j and checkpoint waiting=%s THEN %s (%s)', (event, waiting, action, reason) => {
    expect(planRun(backupEventSchema.parse(event), waiting)).toEqual({ action, reason });
  });

  test('GIVEN a tree WHEN a drill sample is picked THEN it is deterministic per snapshot, capped and only non-empty files', () => {
    const tree = Array.from({ length: 50 }, (_, i) => ({
      path: `f${i}`,
      type: 'file' as const,
      mode: 0o644,
      mtimeNs: '0',
      size: i === 0 ? 0 : 1000,
    }));
    const a = pickDrillSample(tree, 'abcdef0123', 5, 10_000);
    expect(a).toHaveLength(5);
    expect(pickDrillSample(tree, 'abcdef0123', 5, 10_000)).toEqual(a);
    expect(a.every((n) => (n.size ?? 0) > 0)).toBe(true);
    expect(pickDrillSample(tree, '1234567890', 5, 10_000)).not.toEqual(a);
    expect(pickDrillSample(tree, 'abcdef0123', 20, 3_000)).toHaveLength(3);
  });
});

describe('volume-backup handler', () => {
  test('GIVEN a schedule event WHEN run THEN a snapshot is written and EMF metrics report bytes, files, duration, success', async () => {
    const { store, metrics, handler } = setup();
    const r = await handler(SCHEDULE, { getRemainingTimeInMillis: () => 900_000 });
    expect(r.status).toBe('complete');
    if (r.status !== 'complete') return;
    expect(r.stats.files).toBe(31);
    expect(metrics.last(BACKUP_METRICS.success)).toBe(1);
    expect(metrics.last(BACKUP_METRICS.files)).toBe(31);
    expect(metrics.last(BACKUP_METRICS.bytesRead)).toBe(r.stats.bytesTotal);
    expect(metrics.last(BACKUP_METRICS.bytesAdded)).toBeGreaterThan(0);
    expect(metrics.last(BACKUP_METRICS.duration)).toBeGreaterThanOrEqual(0);
    expect(metrics.flushes).toBe(1);
    expect(await store.head(`snapshots/${r.snapshotId}`)).toBeDefined();
    expect(await store.head(KEYS.lock)).toBeUndefined(); // released
  });

  test('GIVEN little time left WHEN run THEN it checkpoints, and the continuation event resumes and completes it', async () => {
    const { store, metrics, handler } = setup();
    await smallPacks(store);
    let calls = 0;
    // The remaining time drops under the 2-minute margin after 10 checks (before files and between chunks).
    const first = await handler(SCHEDULE, {
      getRemainingTimeInMillis: () => (calls++ < 10 ? 300_000 : 60_000),
    });
    expect(first.status).toBe('checkpointed');
    expect(metrics.last(BACKUP_METRICS.checkpointed)).toBe(1);
    expect(metrics.last(BACKUP_METRICS.success)).toBeUndefined();
    const repo = await Repository.open(store, runtimeCodecs());
    expect((await runVerify(repo)).ok).toBe(true);
    expect(await repo.listSnapshots()).toEqual([]);

    const second = await handler(CONTINUE, { getRemainingTimeInMillis: () => 900_000 });
    expect(second.status).toBe('complete');
    if (second.status !== 'complete' || first.status !== 'checkpointed') return;
    expect(second.resumed).toBe(true);
    // Every file the first invocation finished is taken from its checkpoint, not read again.
    expect(first.stats.files).toBeGreaterThan(0);
    expect(second.stats.filesUnchanged).toBe(first.stats.files);
    expect(second.stats.bytesRead).toBeLessThan(second.stats.bytesTotal);
    expect(metrics.last(BACKUP_METRICS.success)).toBe(1);

    const third = await handler(CONTINUE, { getRemainingTimeInMillis: () => 900_000 });
    expect(third).toEqual({ status: 'idle', reason: 'no checkpoint to resume' });
  });

  test('GIVEN the lease held by another run WHEN the schedule fires THEN it does nothing, says who holds it, and counts Locked', async () => {
    const { store, metrics, handler, log } = setup();
    await acquireLease(store, KEYS.lock, 'cli:laptop:42', 600_000, Date.now());
    const r = await handler(SCHEDULE, { getRemainingTimeInMillis: () => 900_000 });
    expect(r).toMatchObject({ status: 'locked', heldBy: 'cli:laptop:42' });
    expect(metrics.last(BACKUP_METRICS.locked)).toBe(1);
    expect(metrics.last(BACKUP_METRICS.success)).toBeUndefined();
    expect(log.lines.some((l) => l.level === 'warn' && /lease held elsewhere/.test(l.message))).toBe(true);
    expect(await (await Repository.open(store, runtimeCodecs())).listSnapshots()).toEqual([]);
  });

  test('GIVEN a malformed event WHEN run THEN it logs a clear error and does nothing', async () => {
    const { store, handler, log } = setup();
    const r = await handler({ hello: 'world' });
    expect(r.status).toBe('invalid-event');
    expect(log.lines[0]).toMatchObject({
      level: 'error',
      message: expect.stringContaining('not a backup event'),
    });
    expect(await store.head(KEYS.config)).toBeUndefined();
  });

  test('GIVEN the restore drill on WHEN a backup completes THEN sampled files are restored to scratch and match the volume', async () => {
    const { handler, metrics } = setup({ drillFiles: 5 });
    const r = await handler(SCHEDULE, { getRemainingTimeInMillis: () => 900_000 });
    if (r.status !== 'complete') throw new Error(`backup ${r.status}`);
    expect(r.drill).toEqual({ checked: 5, changedSince: 0, mismatches: [] });
    expect(metrics.last(BACKUP_METRICS.drillFailures)).toBe(0);
  });

  test('GIVEN a volume whose reads differ from what was backed up WHEN drilled THEN the mismatch is reported and counted', async () => {
    const real = new NodeSourceTree(src);
    let backupDone = false;
    // After the backup, reads return different bytes while size and mtime stay: silent corruption.
    const source: SourceTree = {
      readdir: (p) => real.readdir(p),
      lstat: (p) => real.lstat(p),
      readlink: (p) => real.readlink(p),
      open: async (p) => {
        const f = await real.open(p);
        if (!backupDone) return f;
        return {
          read: async (buf, off, len) => {
            const n = await f.read(buf, off, len);
            if (n > 0) buf[off] ^= 0xff;
            return n;
          },
          close: () => f.close(),
        };
      },
    };
    const { handler, metrics, log } = setup({ source, drillFiles: 3 });
    const first = await handler(SCHEDULE, { getRemainingTimeInMillis: () => 900_000 });
    expect(first.status).toBe('complete');
    expect(first.status === 'complete' && first.drill?.mismatches).toEqual([]);
    backupDone = true;
    const again = await handler({ bulkhead: 'backup-now' }, { getRemainingTimeInMillis: () => 900_000 });
    if (again.status !== 'complete') throw new Error('second run did not complete');
    expect(again.stats.bytesRead).toBe(0); // unchanged metadata: nothing re-read
    expect(again.drill?.mismatches.length).toBe(3);
    expect(metrics.last(BACKUP_METRICS.drillFailures)).toBe(3);
    expect(log.lines.some((l) => l.level === 'error' && /restore drill/.test(l.message))).toBe(true);
  });
});

describe('volume-backup handler with a KMS-keyed repository (kmsKeyArn)', () => {
  test('GIVEN kmsKeyArn WHEN the first run creates the repository THEN it is KMS-keyed, the drill restores, and a second run (new cold start) reuses it', async () => {
    const kms = new MemoryKeyManagement();
    const arn = kms.createKey();
    const { store, handler, metrics } = setup({ kmsKeyArn: arn, kms, drillFiles: 3 });
    const first = await handler(SCHEDULE, { getRemainingTimeInMillis: () => 900_000 });
    expect(first).toMatchObject({ status: 'complete', drill: { mismatches: [] } });
    expect(metrics.last(BACKUP_METRICS.success)).toBe(1);
    const config = JSON.parse(Buffer.from((await store.get(KEYS.config))?.body ?? []).toString());
    expect(config.encryption.kms.keyArn).toBe(arn);
    const again = await handler(SCHEDULE, { getRemainingTimeInMillis: () => 900_000 });
    expect(again).toMatchObject({
      status: 'complete',
      stats: { filesUnchanged: 31, blobsAdded: expect.any(Number) },
    });
    const repo = await Repository.open(store, runtimeCodecs(), { kms });
    expect(await repo.listSnapshots()).toHaveLength(2);
    expect((await runVerify(repo, { readDataPercent: 100 })).problems).toEqual([]);
    expect(kms.calls.filter((c) => c.operation === 'GenerateDataKey')).toHaveLength(1);
  });

  test('GIVEN a KMS-keyed repository and a role without kms:Decrypt WHEN run THEN it fails naming the key and permission, BackupSuccess 0, and nothing is written (no lease)', async () => {
    const kms = new MemoryKeyManagement();
    const arn = kms.createKey();
    const { store, handler, metrics, log } = setup({ kmsKeyArn: arn, kms });
    await handler(SCHEDULE, { getRemainingTimeInMillis: () => 900_000 });
    const before: string[] = [];
    for await (const o of store.list('')) before.push(`${o.key} ${o.etag}`);
    kms.deny('Decrypt');
    await expect(handler(SCHEDULE, { getRemainingTimeInMillis: () => 900_000 })).rejects.toThrow(
      `KMS denied kms:Decrypt on key ${arn}`,
    );
    expect(metrics.last(BACKUP_METRICS.success)).toBe(0);
    expect(JSON.stringify(log.lines)).toContain('kms:Decrypt');
    const after: string[] = [];
    for await (const o of store.list('')) after.push(`${o.key} ${o.etag}`);
    expect(after).toEqual(before);
  });

  test('GIVEN kmsKeyArn but a repository already there without client-side encryption WHEN run THEN it fails clearly instead of backing up unencrypted', async () => {
    const kms = new MemoryKeyManagement();
    const { store, handler } = setup({ kmsKeyArn: kms.createKey(), kms });
    await smallPacks(store);
    await expect(handler(SCHEDULE, { getRemainingTimeInMillis: () => 900_000 })).rejects.toThrow(
      /its key is absent \(not encrypted\), not KMS key arn:aws:kms:/,
    );
    expect(await store.head(KEYS.lock)).toBeUndefined();
  });
});
