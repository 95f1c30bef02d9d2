import { KEYS, sha256, type TreeNode } from './format';
import type { Repository, SnapshotRef } from './repository';

/** One problem verify found. Errors make verify fail; warnings do not. */
export interface VerifyProblem {
  readonly severity: 'error' | 'warning';
  readonly kind:
    | 'index-unreadable'
    | 'pack-missing'
    | 'pack-size'
    | 'pack-corrupt'
    | 'blob-corrupt'
    | 'blob-missing'
    | 'snapshot-unreadable'
    | 'tree-unreadable'
    | 'pack-unindexed';
  readonly message: string;
  readonly pack?: string;
  /** Affected snapshot IDs and files, when data is involved. */
  readonly snapshots?: readonly string[];
  readonly files?: readonly string[];
}

/** Options of {@link runVerify}. */
export interface VerifyOptions {
  /** Percentage (0–100) of packs to read back and re-hash. @default 0 */
  readonly readDataPercent?: number;
  /** Picks which packs to read; inject for determinism. @default Math.random */
  readonly random?: () => number;
  readonly onProgress?: (p: { packsRead: number; packsToRead: number }) => void;
}

/** What verify checked and found. */
export interface VerifyReport {
  readonly ok: boolean;
  readonly snapshots: number;
  readonly packs: number;
  readonly blobs: number;
  readonly packsRead: number;
  readonly problems: readonly VerifyProblem[];
}

/**
 * Checks a repository: every index file parses, every indexed pack exists with its size, every
 * snapshot's tree loads, and every blob a snapshot needs is indexed. With `readDataPercent`, reads
 * that share of packs back, checks each pack's SHA-256 against its name and each blob's against its
 * ID. Problems with data name the snapshots and files affected.
 */
export async function runVerify(repo: Repository, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  try {
    await repo.loadIndex();
  } catch (error) {
    problems.push({
      severity: 'error',
      kind: 'index-unreadable',
      message: `index unreadable: ${String(error)}`,
    });
  }
  const present = await repo.listPacks();
  const badPacks = new Map<string, string>(); // pack → reason
  for (const [id, pack] of repo.packs) {
    const size = present.get(id)?.size;
    if (size === undefined) badPacks.set(id, 'missing');
    else if (size !== pack.size) badPacks.set(id, `size ${size}, index says ${pack.size}`);
  }
  for (const id of present.keys()) {
    if (!repo.packs.has(id)) {
      problems.push({
        severity: 'warning',
        kind: 'pack-unindexed',
        pack: id,
        message: `pack ${id} is in no index (left by an interrupted run; the next backup indexes it, prune removes it)`,
      });
    }
  }

  // Users of each blob: which snapshot, which file.
  const users = new Map<string, { snapshot: string; file: string }[]>();
  const use = (blob: string, snapshot: string, file: string) => {
    let list = users.get(blob);
    if (!list) {
      list = [];
      users.set(blob, list);
    }
    if (list.length < 50) list.push({ snapshot, file });
  };
  let snapshots: SnapshotRef[] = [];
  try {
    snapshots = await repo.listSnapshots();
  } catch (error) {
    problems.push({
      severity: 'error',
      kind: 'snapshot-unreadable',
      message: `snapshot unreadable: ${String(error)}`,
    });
  }
  for (const s of snapshots) {
    for (const t of s.manifest.tree) use(t, s.id, '(tree)');
    let tree: TreeNode[];
    try {
      tree = await repo.readTree(s.manifest.tree);
    } catch (error) {
      problems.push({
        severity: 'error',
        kind: 'tree-unreadable',
        snapshots: [s.id],
        message: `snapshot ${s.id.slice(0, 12)}: tree unreadable: ${error instanceof Error ? error.message : error}`,
      });
      continue;
    }
    for (const n of tree) for (const b of n.content ?? []) use(b, s.id, n.path);
  }

  const affected = (blobs: Iterable<string>) => {
    const snaps = new Set<string>();
    const files = new Set<string>();
    for (const b of blobs) {
      for (const u of users.get(b) ?? []) {
        snaps.add(u.snapshot);
        files.add(`${u.snapshot.slice(0, 12)}:${u.file}`);
      }
    }
    return { snapshots: [...snaps], files: [...files].sort() };
  };
  const describe = (a: { snapshots: string[]; files: string[] }) =>
    a.files.length === 0
      ? 'no snapshot uses it'
      : `affects ${a.snapshots.length} snapshot(s), files: ${a.files.slice(0, 10).join(', ')}${a.files.length > 10 ? ', …' : ''}`;

  for (const [blob] of users) {
    if (!repo.blobs.has(blob)) {
      const a = affected([blob]);
      problems.push({
        severity: 'error',
        kind: 'blob-missing',
        ...a,
        message: `blob ${blob} is in no index; ${describe(a)}`,
      });
    }
  }
  for (const [pack, reason] of badPacks) {
    const a = affected((repo.packs.get(pack)?.blobs ?? []).map((b) => b.id));
    problems.push({
      severity: a.files.length > 0 ? 'error' : 'warning',
      kind: reason === 'missing' ? 'pack-missing' : 'pack-size',
      pack,
      ...a,
      message: `pack ${pack} ${reason}; ${describe(a)}`,
    });
  }

  // Read back a share of the packs.
  const pct = Math.max(0, Math.min(100, opts.readDataPercent ?? 0));
  const random = opts.random ?? Math.random;
  const candidates = [...repo.packs.keys()].filter((id) => !badPacks.has(id));
  const toRead = candidates
    .map((id) => ({ id, r: random() }))
    .sort((a, b) => a.r - b.r)
    .slice(0, Math.ceil((candidates.length * pct) / 100))
    .map((x) => x.id);
  let packsRead = 0;
  for (const id of toRead) {
    const pack = repo.packs.get(id);
    if (!pack) continue;
    const got = await repo.store.get(KEYS.pack(id));
    packsRead++;
    opts.onProgress?.({ packsRead, packsToRead: toRead.length });
    if (!got) {
      const a = affected(pack.blobs.map((b) => b.id));
      problems.push({
        severity: 'error',
        kind: 'pack-missing',
        pack: id,
        ...a,
        message: `pack ${id} vanished while verifying; ${describe(a)}`,
      });
      continue;
    }
    const corruptBlobs: string[] = [];
    for (const entry of pack.blobs) {
      try {
        await repo.openBlob(
          entry,
          got.body.subarray(entry.offset, entry.offset + entry.length),
          `pack ${id}`,
        );
      } catch {
        corruptBlobs.push(entry.id);
      }
    }
    if (corruptBlobs.length > 0) {
      const a = affected(corruptBlobs);
      problems.push({
        severity: 'error',
        kind: 'blob-corrupt',
        pack: id,
        ...a,
        message: `pack ${id}: ${corruptBlobs.length} blob(s) do not match their SHA-256; ${describe(a)}`,
      });
    } else if (sha256(got.body) !== id) {
      problems.push({
        severity: 'error',
        kind: 'pack-corrupt',
        pack: id,
        message: `pack ${id} does not match its SHA-256 (header damaged)`,
      });
    }
  }

  return {
    ok: !problems.some((p) => p.severity === 'error'),
    snapshots: snapshots.length,
    packs: repo.packs.size,
    blobs: repo.blobs.size,
    packsRead,
    problems,
  };
}
