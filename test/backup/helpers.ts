import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  NodeRestoreTarget,
  type NodeRestoreTargetOptions,
  NodeSourceTree,
} from '../../lambdas/adapters/local/node-file-tree';
import { MemoryObjectStore } from '../../lambdas/adapters/memory/memory-object-store';
import { type BackupOptions, runBackup } from '../../lambdas/core/snapshot/backup';
import { runtimeCodecs } from '../../lambdas/core/snapshot/codec';
import { Repository } from '../../lambdas/core/snapshot/repository';
import { runRestore } from '../../lambdas/core/snapshot/restore';
import type { ObjectStore } from '../../lambdas/ports/object-store';
import { prng, randomBytes } from '../seeded-random';

/** Small chunks and packs so tests cover many packs quickly. */
export const SMALL = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 64 * 1024 };

/** A repository with small chunks and packs. */
export async function smallRepo(store: ObjectStore = new MemoryObjectStore()): Promise<Repository> {
  return Repository.init(store, runtimeCodecs(), { id: 'test', nowMs: 0, ...SMALL });
}

/** Backs up local directory `dir` into `repo` as host `h` with the real clock; `extra` adds options. */
export function backupDir(repo: Repository, dir: string, extra: Partial<BackupOptions> = {}) {
  return runBackup(repo, new NodeSourceTree(dir), { hostname: 'h', path: dir, nowMs: Date.now, ...extra });
}

/** Restores the latest snapshot of `repo` into `out` and asserts it is the same tree as `expected`. */
export async function expectLatestRestoresTo(
  repo: Repository,
  out: string,
  expected: string,
  target: NodeRestoreTargetOptions = {},
): Promise<void> {
  const snapshot = await repo.findSnapshot('latest');
  await runRestore(repo, await repo.readTree(snapshot.manifest.tree), new NodeRestoreTarget(out, target));
  await expectSameTree(out, expected);
}

/**
 * Asserts two trees are the same: type, mode, size, content hash, link target, and mtime. Node's
 * utimes takes seconds as a double (about 0.24 µs resolution at today's epoch), so mtimes must agree
 * within 1 µs, not to the nanosecond.
 */
export async function expectSameTree(actual: string, expected: string): Promise<void> {
  const a = await describeTree(actual);
  const e = await describeTree(expected);
  expect(Object.keys(a).sort()).toEqual(Object.keys(e).sort());
  const strip = (r: Record<string, string>) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.replace(/ mtime=\d+$/, '')]));
  expect(strip(a)).toEqual(strip(e));
  for (const key of Object.keys(e)) {
    const ta = BigInt(/mtime=(\d+)$/.exec(a[key])?.[1] ?? '0');
    const te = BigInt(/mtime=(\d+)$/.exec(e[key])?.[1] ?? '0');
    const diff = ta > te ? ta - te : te - ta;
    if (diff > 1000n) throw new Error(`mtime of ${key} differs by ${diff} ns: ${a[key]} vs ${e[key]}`);
  }
}

/** Everything restore must reproduce, per path: type, mode, mtime (ns), size, content hash, link target. */
export async function describeTree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string) => {
    const full = rel === '' ? root : path.join(root, rel);
    const st = await fs.lstat(full, { bigint: true });
    const mtimeUs = st.mtimeNs.toString();
    const mode = (st.mode & 0o7777n).toString(8);
    if (st.isSymbolicLink()) out[rel] = `link ${await fs.readlink(full)} mtime=${mtimeUs}`;
    else if (st.isFile()) {
      const hash = createHash('sha256')
        .update(await fs.readFile(full))
        .digest('hex')
        .slice(0, 16);
      out[rel] = `file ${mode} size=${st.size} ${hash} mtime=${mtimeUs}`;
    } else if (st.isDirectory()) {
      out[rel] = `dir ${mode} mtime=${mtimeUs}`;
      for (const name of (await fs.readdir(full)).sort()) await walk(rel === '' ? name : `${rel}/${name}`);
    }
  };
  await walk('');
  // The root's own mtime changes when the restore target is created; compare children only.
  delete out[''];
  return out;
}

/** An odd tree: empty file and dir, symlinks (dangling too), a deep path, unicode names, modes, a file spanning many packs. */
export async function oddTree(root: string): Promise<void> {
  const rand = prng(42);
  await fs.mkdir(path.join(root, 'empty-dir'), { recursive: true });
  await fs.writeFile(path.join(root, 'empty-file'), '');
  const deep = path.join(root, ...Array.from({ length: 30 }, (_, i) => `level-${i}`));
  await fs.mkdir(deep, { recursive: true });
  await fs.writeFile(path.join(deep, 'leaf.txt'), 'deep');
  await fs.mkdir(path.join(root, 'ünïcødé 名前 🚀'));
  await fs.writeFile(path.join(root, 'ünïcødé 名前 🚀', 'файл.txt'), 'привет');
  await fs.writeFile(path.join(root, 'big.bin'), randomBytes(rand, 600 * 1024)); // ~10 packs of 64 KiB
  await fs.writeFile(path.join(root, 'text.txt'), 'hello world\n'.repeat(20000));
  await fs.writeFile(path.join(root, 'exec.sh'), '#!/bin/sh\necho hi\n');
  await fs.chmod(path.join(root, 'exec.sh'), 0o755);
  await fs.writeFile(path.join(root, 'private'), 'secret');
  await fs.chmod(path.join(root, 'private'), 0o600);
  await fs.symlink('text.txt', path.join(root, 'link-to-text'));
  await fs.symlink('does/not/exist', path.join(root, 'dangling'));
  await fs.writeFile(path.join(root, 'dup-a'), randomBytes(prng(7), 50_000));
  await fs.writeFile(path.join(root, 'dup-b'), randomBytes(prng(7), 50_000));
  await fs.utimes(path.join(root, 'text.txt'), 1_000_000_000.123456, 1_000_000_000.123456);
  await fs.lutimes(path.join(root, 'dangling'), 1_500_000_000, 1_500_000_000);
  await fs.utimes(path.join(root, 'empty-dir'), 1_600_000_000, 1_600_000_000);
}
