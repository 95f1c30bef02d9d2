import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { WorkerRestoreTarget } from '../../lambdas/adapters/local/worker-restore-target';
import { runRestore } from '../../lambdas/core/snapshot/restore';
import { prng, randomBytes } from '../seeded-random';
import { backupDir, expectSameTree, oddTree, smallRepo } from './helpers';

// These tests start real worker threads: restore-worker.cjs registers tsx in each worker, so the path
// under test is the CLI's.
let work: string;
const targets: WorkerRestoreTarget[] = [];
const open = (root: string) => {
  const t = new WorkerRestoreTarget(root, { workers: 2 });
  targets.push(t);
  return t;
};
beforeAll(async () => {
  work = await fs.mkdtemp(path.join(tmpdir(), 'bulkhead-wrt-'));
});
afterAll(async () => {
  await Promise.all(targets.map((t) => t.close()));
  await fs.rm(work, { recursive: true, force: true });
});

describe('WorkerRestoreTarget', () => {
  test('GIVEN a snapshot WHEN restored through the writer threads THEN contents, modes, mtimes, symlinks, empties and names are identical', async () => {
    const src = path.join(work, 'src');
    await oddTree(src);
    // Many small files too, so writes queue up on both workers at once.
    await fs.mkdir(path.join(src, 'many'));
    const rand = prng(5);
    for (let i = 0; i < 60; i++)
      await fs.writeFile(path.join(src, 'many', `f${i}`), randomBytes(rand, 50 + i * 97));
    const repo = await smallRepo();
    expect((await backupDir(repo, src)).status).toBe('complete');
    const snapshot = await repo.findSnapshot('latest');
    const out = path.join(work, 'out');
    const target = open(out);
    const nodes = await repo.readTree(snapshot.manifest.tree);
    const r = await runRestore(repo, nodes, target, { writeConcurrency: 64 });
    expect(r.files).toBe(nodes.filter((n) => n.type === 'file').length);
    expect(r.files).toBeGreaterThan(60);
    await expectSameTree(out, src);
  });

  test('GIVEN a write a worker cannot do WHEN it fails THEN its promise rejects with the reason, and later writes still succeed', async () => {
    const root = path.join(work, 'errors');
    await fs.mkdir(root, { recursive: true });
    const target = open(root);
    await expect(target.writeWholeFile('no/such/dir/f', new Uint8Array([1]), 0o644, '0')).rejects.toThrow(
      /ENOENT/,
    );
    await target.writeWholeFile('ok', new Uint8Array([1, 2, 3]), 0o640, '1500000000000000000');
    const st = await fs.stat(path.join(root, 'ok'), { bigint: true });
    expect(Number(st.mode & 0o777n)).toBe(0o640);
    expect(st.mtimeNs).toBe(1_500_000_000_000_000_000n);
    expect([...(await fs.readFile(path.join(root, 'ok')))]).toEqual([1, 2, 3]);
  });

  test('GIVEN a blob written to two files WHEN the first write moves its copy to a worker THEN the caller’s buffer is intact for the second', async () => {
    const root = path.join(work, 'shared');
    await fs.mkdir(root, { recursive: true });
    const target = open(root);
    const blob = randomBytes(prng(8), 10_000);
    await Promise.all([
      target.writeWholeFile('one', blob, 0o644, '0'),
      target.writeWholeFile('two', blob, 0o644, '0'),
    ]);
    expect(blob.length).toBe(10_000);
    expect((await fs.readFile(path.join(root, 'one'))).equals(blob)).toBe(true);
    expect((await fs.readFile(path.join(root, 'two'))).equals(blob)).toBe(true);
  });

  test('GIVEN a closed target WHEN written to THEN it rejects instead of hanging', async () => {
    const root = path.join(work, 'closed');
    await fs.mkdir(root, { recursive: true });
    const target = new WorkerRestoreTarget(root, { workers: 1 });
    await target.close();
    await expect(target.writeWholeFile('f', new Uint8Array([1]), 0o644, '0')).rejects.toThrow(/closed/);
  });
});
