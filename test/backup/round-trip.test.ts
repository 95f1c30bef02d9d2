import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeRestoreTarget, NodeSourceTree } from '../../lambdas/adapters/local/node-file-tree';
import { runBackup } from '../../lambdas/core/snapshot/backup';
import { runRestore } from '../../lambdas/core/snapshot/restore';
import { runVerify } from '../../lambdas/core/snapshot/verify';
import { backupDir, expectLatestRestoresTo, oddTree, smallRepo } from './helpers';

let work: string;
beforeAll(async () => {
  work = await fs.mkdtemp(path.join(tmpdir(), 'bulkhead-rt-'));
});
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe('backup → restore round trip', () => {
  test('GIVEN an odd tree WHEN backed up and restored THEN contents, modes, mtimes, symlinks, empties and names are identical', async () => {
    const src = path.join(work, 'src');
    await oddTree(src);
    const repo = await smallRepo();
    const result = await backupDir(repo, src);
    expect(result.status).toBe('complete');
    expect(result.stats.packsWritten).toBeGreaterThan(8);
    expect(result.skipped).toEqual([]);
    // dup-b shares all its chunks with dup-a
    await expectLatestRestoresTo(repo, path.join(work, 'restored'), src);
    const report = await runVerify(repo, { readDataPercent: 100 });
    expect(report.problems).toEqual([]);
  });

  test('GIVEN the synchronous modes (the CLI on a local disk) WHEN backed up and restored THEN the tree is identical too', async () => {
    const src = path.join(work, 'src');
    const repo = await smallRepo();
    const r = await runBackup(repo, new NodeSourceTree(src, { syncMetadata: true }), {
      hostname: 'h',
      path: src,
      nowMs: Date.now,
    });
    expect(r.status).toBe('complete');
    await expectLatestRestoresTo(repo, path.join(work, 'restored-sync'), src, { syncWrites: true });
  });

  test('GIVEN a snapshot WHEN restoring with --include one file THEN only it and its parent dirs appear', async () => {
    const src = path.join(work, 'src');
    const repo = await smallRepo();
    await backupDir(repo, src);
    const snap = await repo.findSnapshot('latest');
    const target = path.join(work, 'one');
    const r = await runRestore(repo, await repo.readTree(snap.manifest.tree), new NodeRestoreTarget(target), {
      include: ['ünïcødé 名前 🚀/файл.txt'],
    });
    expect(r.files).toBe(1);
    expect(await fs.readFile(path.join(target, 'ünïcødé 名前 🚀', 'файл.txt'), 'utf8')).toBe('привет');
    expect(await fs.readdir(target)).toEqual(['ünïcødé 名前 🚀']);
  });

  test('GIVEN an unchanged tree WHEN backed up again THEN nothing is read and nothing but metadata is added', async () => {
    const src = path.join(work, 'src');
    const repo = await smallRepo();
    const first = await backupDir(repo, src);
    const second = await backupDir(repo, src);
    expect(second.stats.bytesRead).toBe(0);
    expect(second.stats.filesUnchanged).toBe(first.stats.files);
    expect(second.stats.blobsAdded).toBe(0); // the tree stream is identical too
    await fs.appendFile(path.join(src, 'text.txt'), 'one more line\n');
    const third = await backupDir(repo, src);
    expect(third.stats.bytesRead).toBe(12 * 20000 + 14);
    expect(third.stats.filesUnchanged).toBe(first.stats.files - 1);
  });

  test('GIVEN an unreadable file and directory WHEN backed up THEN they are skipped, recorded, and the run completes', async () => {
    const src = path.join(work, 'src-unreadable');
    await fs.mkdir(path.join(src, 'sealed'), { recursive: true });
    await fs.writeFile(path.join(src, 'ok'), 'fine');
    await fs.writeFile(path.join(src, 'locked'), 'nope');
    // This machine runs tests as root, where chmod 000 does not stop reads: deny them in the port instead.
    const denied = (p: string) =>
      Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: 'EACCES' });
    const tree = new NodeSourceTree(src);
    const source = Object.assign(Object.create(tree) as NodeSourceTree, {
      open: (p: string) => (p === 'locked' ? Promise.reject(denied(p)) : tree.open(p)),
      readWhole: (p: string) => (p === 'locked' ? Promise.reject(denied(p)) : tree.readWhole(p)),
      readdir: (p: string) => (p === 'sealed' ? Promise.reject(denied(p)) : tree.readdir(p)),
    });
    const repo = await smallRepo();
    const r = await runBackup(repo, source, { hostname: 'h', path: src, nowMs: Date.now });
    expect(r.status).toBe('complete');
    expect([...r.skipped].sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'locked', error: expect.stringMatching(/EACCES/) },
      { path: 'sealed', error: expect.stringMatching(/EACCES/) },
    ]);
    const snap = await repo.findSnapshot('latest');
    expect(snap.manifest.skipped).toEqual(r.skipped);
    expect((await repo.readTree(snap.manifest.tree)).map((n) => n.path)).toEqual(['', 'ok']);
  });
});
