import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes as cryptoRandom } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeRestoreTarget } from '../../lambdas/adapters/local/node-file-tree';
import { runtimeCodecs } from '../../lambdas/core/snapshot/codec';
import { runForget } from '../../lambdas/core/snapshot/forget';
import { KEYS } from '../../lambdas/core/snapshot/format';
import { runPrune } from '../../lambdas/core/snapshot/prune';
import { LeaseHeldError, withRepositoryLease } from '../../lambdas/core/snapshot/repo-lease';
import { Repository } from '../../lambdas/core/snapshot/repository';
import { runRestore } from '../../lambdas/core/snapshot/restore';
import { runVerify } from '../../lambdas/core/snapshot/verify';
import type { ObjectStore } from '../../lambdas/ports/object-store';
import { prng, randomBytes } from '../seeded-random';
import { backupDir, expectLatestRestoresTo, expectSameTree, SMALL } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..');

/** What the suite needs from a backend. */
export interface Backend {
  /** A fresh, empty store. */
  store(): Promise<ObjectStore>;
  /** The CLI's --repo (and --endpoint, env) for that same store. */
  cli(store: ObjectStore): { args: string[]; env: Record<string, string> };
  /** Does the backend honour conditional writes? (s3rver does not.) */
  readonly conditional: boolean;
}

const open = (store: ObjectStore) => Repository.init(store, runtimeCodecs(), { id: 't', nowMs: 0, ...SMALL });
async function countPacks(store: ObjectStore): Promise<number> {
  let n = 0;
  for await (const _ of store.list(KEYS.dataPrefix)) n++;
  return n;
}

function errors(report: Awaited<ReturnType<typeof runVerify>>) {
  return report.problems.filter((p) => p.severity === 'error');
}

/** The repository suite: run against every backend. */
export function repositorySuite(name: string, backend: Backend): void {
  describe(`repository on ${name}`, () => {
    let work: string;
    let src: string;
    beforeAll(async () => {
      work = await fs.mkdtemp(path.join(tmpdir(), 'bulkhead-suite-'));
      src = path.join(work, 'src');
      const rand = prng(9);
      await fs.mkdir(path.join(src, 'docs', 'ωmega'), { recursive: true });
      for (let i = 0; i < 40; i++) {
        await fs.writeFile(path.join(src, 'docs', `note-${i}.txt`), `note ${i}\n`.repeat(200 + i * 50));
      }
      await fs.writeFile(path.join(src, 'docs', 'ωmega', 'blob.bin'), randomBytes(rand, 300_000));
      await fs.writeFile(path.join(src, 'empty'), '');
      await fs.symlink('docs/note-1.txt', path.join(src, 'latest-note'));
    });
    afterAll(async () => {
      await fs.rm(work, { recursive: true, force: true });
    });

    test('GIVEN a tree WHEN backed up THEN it restores identically and verify, reading all data back, is clean', async () => {
      const store = await backend.store();
      const repo = await open(store);
      const first = await backupDir(repo, src);
      expect(first.status).toBe('complete');
      const out1 = path.join(work, 'r1');
      await expectLatestRestoresTo(repo, out1, src);
      const report = await runVerify(repo, { readDataPercent: 100 });
      expect(report.problems).toEqual([]);
      expect(report.packsRead).toBe(report.packs);
    });

    test('GIVEN a pack corrupted in place WHEN verify --read-data 100 THEN the pack, snapshot and files are named', async () => {
      const store = await backend.store();
      const repo = await open(store);
      const r = await backupDir(repo, src);
      if (r.status !== 'complete') throw new Error('backup did not complete');
      const fresh = await Repository.open(store, runtimeCodecs());
      const tree = await fresh.readTree((await fresh.findSnapshot('latest')).manifest.tree);
      const blobLoc = fresh.blobs.get(tree.find((n) => n.path === 'docs/ωmega/blob.bin')?.content?.[3] ?? '');
      if (!blobLoc) throw new Error('blob.bin has no 4th blob');
      const key = KEYS.pack(blobLoc.pack);
      const body = (await store.get(key))?.body;
      if (!body) throw new Error('pack missing');
      body[blobLoc.entry.offset + 10] ^= 0xff; // same size, one byte flipped
      await store.put(key, body);
      const structural = await runVerify(await Repository.open(store, runtimeCodecs()));
      expect(errors(structural)).toEqual([]); // same size: only reading the data finds it
      const report = await runVerify(await Repository.open(store, runtimeCodecs()), { readDataPercent: 100 });
      expect(report.ok).toBe(false);
      const problem = errors(report).find((p) => p.kind === 'blob-corrupt');
      expect(problem?.pack).toBe(blobLoc.pack);
      expect(problem?.snapshots).toEqual([r.snapshotId]);
      expect(problem?.files).toEqual([`${r.snapshotId.slice(0, 12)}:docs/ωmega/blob.bin`]);
      expect(problem?.message).toContain('docs/ωmega/blob.bin');
    });

    test('GIVEN a pack deleted WHEN verify (structure only) THEN it is reported missing with the files it held', async () => {
      const store = await backend.store();
      const repo = await open(store);
      const r = await backupDir(repo, src);
      if (r.status !== 'complete') throw new Error('backup did not complete');
      await repo.loadIndex();
      const loc = repo.blobs.get(
        (await repo.readTree((await repo.findSnapshot('latest')).manifest.tree)).find(
          (n) => n.path === 'docs/note-7.txt',
        )?.content?.[0] ?? '',
      );
      if (!loc) throw new Error('note-7 has no blob');
      await store.delete(KEYS.pack(loc.pack));
      const report = await runVerify(await Repository.open(store, runtimeCodecs()));
      const missing = errors(report).find((p) => p.kind === 'pack-missing');
      expect(missing?.pack).toBe(loc.pack);
      expect(missing?.files).toContain(`${r.snapshotId.slice(0, 12)}:docs/note-7.txt`);
    });

    test('GIVEN snapshots WHEN forget keeps the last one and prune runs THEN unused packs go and the kept snapshot still restores', async () => {
      const store = await backend.store();
      const repo = await open(store);
      const tmpSrc = path.join(work, 'churn');
      await fs.rm(tmpSrc, { recursive: true, force: true });
      await fs.cp(src, tmpSrc, { recursive: true, verbatimSymlinks: true });
      await backupDir(repo, tmpSrc);
      await fs.writeFile(path.join(tmpSrc, 'docs', 'ωmega', 'blob.bin'), randomBytes(prng(10), 300_000));
      const second = await backupDir(await open(store), tmpSrc);
      const before = await countPacks(store);
      const forgot = await runForget(await open(store), { last: 1 });
      expect(forgot.forgotten).toHaveLength(1);
      const pruned = await runPrune(await open(store), { nowMs: Date.now(), maxUnusedPercent: 0 });
      expect(pruned.deletePacks.length + pruned.repackPacks.length).toBeGreaterThan(0);
      expect(await countPacks(store)).toBeLessThan(before);
      const fresh = await open(store);
      expect(errors(await runVerify(fresh, { readDataPercent: 100 }))).toEqual([]);
      const out = path.join(work, 'after-prune');
      const snap = await fresh.findSnapshot('latest');
      expect(snap.id).toBe(second.status === 'complete' ? second.snapshotId : '');
      await runRestore(fresh, await fresh.readTree(snap.manifest.tree), new NodeRestoreTarget(out));
      await expectSameTree(out, tmpSrc);
    });

    test('GIVEN packs under Object Lock retention WHEN prune THEN they are neither deleted nor repacked', async () => {
      const store = await backend.store();
      const repo = await open(store);
      await backupDir(repo, src);
      await runForget(await open(store), { last: 1 });
      const tmp = path.join(work, 'lock-src');
      await fs.mkdir(tmp, { recursive: true });
      await fs.writeFile(path.join(tmp, 'only'), 'x');
      await backupDir(await open(store), tmp); // another source: the first snapshot stays
      const snaps = await (await open(store)).listSnapshots();
      await store.delete(KEYS.snapshot(snaps[0].id)); // its data is now unused
      const before = await countPacks(store);
      const r = await runPrune(await open(store), {
        nowMs: Date.now(),
        maxUnusedPercent: 0,
        objectLockMs: 86_400_000,
      });
      expect(r.deletePacks).toEqual([]);
      expect(r.repackPacks).toEqual([]);
      expect(r.lockedPacks.length).toBeGreaterThan(0);
      expect(await countPacks(store)).toBe(before);
    });

    test('GIVEN a run stopped by its time budget WHEN the next run resumes THEN done files are not re-read and the snapshot is whole', async () => {
      const store = await backend.store();
      let files = 0;
      const first = await backupDir(await open(store), src, { shouldStop: () => files++ >= 10 });
      expect(first.status).toBe('checkpointed');
      expect(await firstKey(store, KEYS.checkpointPrefix)).toBeDefined();
      expect(errors(await runVerify(await open(store)))).toEqual([]);
      const second = await backupDir(await open(store), src);
      expect(second.status).toBe('complete');
      expect(second.resumed).toBe(true);
      expect(first.stats.files).toBeGreaterThan(0);
      expect(second.stats.filesUnchanged).toBe(first.stats.files);
      expect(second.stats.bytesRead).toBeLessThan(second.stats.bytesTotal);
      expect(await firstKey(store, KEYS.checkpointPrefix)).toBeUndefined();
      const out = path.join(work, 'resumed');
      const repo = await open(store);
      await expectLatestRestoresTo(repo, out, src);
    });

    test('GIVEN a CLI backup killed with SIGKILL mid-run WHEN backed up again THEN uploaded packs are reused and verify is clean', async () => {
      const big = path.join(work, 'big');
      await fs.mkdir(big, { recursive: true });
      for (let i = 0; i < 6; i++)
        await fs.writeFile(path.join(big, `part-${i}.bin`), cryptoRandom(12 * 1024 * 1024));
      const store = await backend.store();
      const { args, env } = backend.cli(store);
      const child = spawnCli(['backup', big, ...args, '--pack-size', '0.25', '--json'], env);
      let packs = 0;
      while (packs < 8 && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 20));
        packs = await countPacks(store);
      }
      expect(child.exitCode).toBeNull(); // still running: the kill lands mid-run
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      expect(await firstKey(store, KEYS.snapshotPrefix)).toBeUndefined();
      const killedPacks = await countPacks(store);
      expect(killedPacks).toBeGreaterThanOrEqual(8);
      const mid = await runVerify(await Repository.open(store, runtimeCodecs()));
      expect(errors(mid)).toEqual([]); // never refers to missing data

      const second = spawnCli(['backup', big, ...args, '--json', '--wait', '600'], env);
      const out = await collect(second);
      expect(out.code).toBe(0);
      const result = JSON.parse(out.stdout) as { stats: { bytesAdded: number; bytesTotal: number } };
      expect(result.stats.bytesAdded).toBeLessThan(result.stats.bytesTotal); // recovered packs reused
      const verify = await collect(spawnCli(['verify', '--read-data', '100', ...args, '--json'], env));
      expect(verify.code).toBe(0);
      expect(JSON.parse(verify.stdout).problems).toEqual([]);
    }, 120_000);

    if (backend.conditional) {
      test('GIVEN two backups at once WHEN neither waits THEN one fails with a clear lease message and the repository stays clean', async () => {
        const store = await backend.store();
        await open(store);
        const run = (holder: string) =>
          withRepositoryLease(store, { holder, ttlMs: 60_000, nowMs: Date.now }, async (heartbeat) =>
            backupDir(await Repository.open(store, runtimeCodecs()), src, { heartbeat }),
          );
        const results = await Promise.allSettled([run('a'), run('b')]);
        const failed = results.filter((r) => r.status === 'rejected');
        expect(failed).toHaveLength(1);
        const reason = (failed[0] as PromiseRejectedResult).reason;
        expect(reason).toBeInstanceOf(LeaseHeldError);
        expect(String(reason.message)).toMatch(/repository is locked by (a|b) until .*another backup/);
        expect(errors(await runVerify(await open(store), { readDataPercent: 100 }))).toEqual([]);
      });

      test('GIVEN two backups at once WHEN the second waits THEN both complete one after the other', async () => {
        const store = await backend.store();
        await open(store);
        const run = (holder: string) =>
          withRepositoryLease(store, { holder, ttlMs: 60_000, nowMs: Date.now, waitMs: 60_000 }, async () =>
            backupDir(await Repository.open(store, runtimeCodecs()), src),
          );
        const [a, b] = await Promise.all([run('a'), run('b')]);
        expect([a.status, b.status]).toEqual(['complete', 'complete']);
        expect((await (await open(store)).listSnapshots()).length).toBe(2);
        expect(Math.min(a.stats.bytesRead, b.stats.bytesRead)).toBe(0); // the later one saw the earlier as parent
      });
    }
  });
}

async function firstKey(store: ObjectStore, prefix: string): Promise<string | undefined> {
  for await (const o of store.list(prefix)) return o.key;
  return undefined;
}

function spawnCli(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [path.join(ROOT, 'bin', 'bulkhead.cjs'), ...args], {
    env: { ...process.env, ...env, BULKHEAD_REPO: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function collect(
  child: ChildProcess,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  if (code !== 0) process.stderr.write(stderr);
  return { code, stdout, stderr };
}
