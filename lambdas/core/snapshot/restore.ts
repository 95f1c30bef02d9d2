import type { RestoreTarget } from '../../ports/file-tree';
import { InFlight } from './concurrency';
import { KEYS, type TreeNode } from './format';
import type { BlobLocation, Repository } from './repository';

/** Options of {@link runRestore}. */
export interface RestoreOptions {
  /** Restore only these paths (a file, or a directory and everything under it), with their parent directories. */
  readonly include?: readonly string[];
  readonly onProgress?: (p: { bytesWritten: number; bytesTotal: number; files: number }) => void;
  /** @default 3 packs read at once */
  readonly packConcurrency?: number;
  /** @default 8 writes in flight per pack */
  readonly writeConcurrency?: number;
}

/** What a restore wrote. */
export interface RestoreResult {
  readonly files: number;
  readonly dirs: number;
  readonly symlinks: number;
  readonly bytes: number;
}

/** Pure: is `path` selected by `include` (itself, under, or a parent directory of an included path)? */
export function selectedBy(include: readonly string[] | undefined, node: TreeNode): boolean {
  if (!include || include.length === 0) return true;
  return include.some((raw) => {
    const inc = raw.replace(/^\/+|\/+$/g, '');
    if (inc === '' || node.path === inc || node.path.startsWith(`${inc}/`)) return true;
    return node.type === 'dir' && (node.path === '' || inc.startsWith(`${node.path}/`));
  });
}

interface Target {
  readonly path: string;
  readonly position: number;
  readonly whole: boolean;
}

/** Pure: groups the blobs to restore by pack, so each pack is read once. */
export function planRestore(
  files: readonly TreeNode[],
  locate: (id: string) => BlobLocation | undefined,
): Map<string, Map<string, { loc: BlobLocation; targets: Target[] }>> {
  const byPack = new Map<string, Map<string, { loc: BlobLocation; targets: Target[] }>>();
  for (const f of files) {
    const content = f.content ?? [];
    let position = 0;
    for (const id of content) {
      const loc = locate(id);
      if (!loc) throw new Error(`file ${f.path}: blob ${id} is not in the index`);
      let pack = byPack.get(loc.pack);
      if (!pack) {
        pack = new Map();
        byPack.set(loc.pack, pack);
      }
      let blob = pack.get(id);
      if (!blob) {
        blob = { loc, targets: [] };
        pack.set(id, blob);
      }
      blob.targets.push({ path: f.path, position, whole: content.length === 1 });
      position += loc.entry.rawLength;
    }
  }
  return byPack;
}

/**
 * Restores a snapshot (or the included part of it): directories, then file contents pack by pack
 * (each blob decompressed and checked against its SHA-256), then symlinks, then modes and mtimes,
 * directories deepest first so writing into them does not disturb their times.
 */
export async function runRestore(
  repo: Repository,
  tree: readonly TreeNode[],
  target: RestoreTarget,
  opts: RestoreOptions = {},
): Promise<RestoreResult> {
  await repo.loadIndex();
  const nodes = tree.filter((n) => selectedBy(opts.include, n));
  const dirs = nodes.filter((n) => n.type === 'dir').sort((a, b) => (a.path < b.path ? -1 : 1));
  const files = nodes.filter((n) => n.type === 'file');
  const links = nodes.filter((n) => n.type === 'symlink');
  for (const d of dirs) await target.mkdir(d.path);

  const bytesTotal = files.reduce((n, f) => n + (f.size ?? 0), 0);
  let bytesWritten = 0;
  // A file of one blob (or none) is written, chmod'ed and stamped in one call where the target can:
  // its mode and mtime then need no second pass over the tree.
  const writeWhole = target.writeWholeFile?.bind(target);
  const byPath = new Map(files.map((f) => [f.path, f]));
  const finished = new Set<string>();
  const prep = new InFlight(16);
  for (const f of files) {
    const n = f.content?.length ?? 0;
    if (n === 0) {
      if (writeWhole) {
        await prep.add(writeWhole(f.path, new Uint8Array(), f.mode, f.mtimeNs));
        finished.add(f.path);
      } else await prep.add(target.writeFile(f.path, new Uint8Array()));
    } else if (n > 1) await prep.add(target.createFile(f.path, f.size ?? 0));
  }
  await prep.drain();

  const writeWholeTarget = (path: string, raw: Uint8Array): Promise<void> => {
    const f = byPath.get(path);
    if (!writeWhole || !f) return target.writeFile(path, raw);
    finished.add(path);
    return writeWhole(path, raw, f.mode, f.mtimeNs);
  };
  const plan = planRestore(files, (id) => repo.blobs.get(id));
  const packs = new InFlight(opts.packConcurrency ?? 3);
  for (const [packId, blobs] of plan) {
    await packs.add(
      (async () => {
        const list = [...blobs.values()];
        const from = Math.min(...list.map((b) => b.loc.entry.offset));
        const to = Math.max(...list.map((b) => b.loc.entry.offset + b.loc.entry.length));
        const bytes = await repo.store.getRange(KEYS.pack(packId), from, to);
        const writes = new InFlight(opts.writeConcurrency ?? 8);
        for (const { loc, targets } of list) {
          const { entry } = loc;
          const raw = await repo.openBlob(
            entry,
            bytes.subarray(entry.offset - from, entry.offset - from + entry.length),
            `pack ${packId}`,
          );
          for (const t of targets) {
            await writes.add(
              t.whole ? writeWholeTarget(t.path, raw) : target.writeAt(t.path, raw, t.position),
            );
            bytesWritten += raw.length;
          }
        }
        await writes.drain();
        opts.onProgress?.({ bytesWritten, bytesTotal, files: files.length });
      })(),
    );
  }
  await packs.drain();

  for (const l of links) await target.symlink(l.path, l.target ?? '');
  const meta = new InFlight(16);
  for (const f of files) {
    if (finished.has(f.path)) continue;
    await meta.add(target.chmod(f.path, f.mode).then(() => target.setMtime(f.path, f.mtimeNs)));
  }
  for (const l of links) await meta.add(target.setMtime(l.path, l.mtimeNs));
  await meta.drain();
  for (const d of [...dirs].reverse()) {
    await target.chmod(d.path, d.mode);
    await target.setMtime(d.path, d.mtimeNs);
  }
  return { files: files.length, dirs: dirs.length, symlinks: links.length, bytes: bytesTotal };
}
