import { type Checkpoint, KEYS, type PackEntry } from './format';
import { PackWriter } from './pack-writer';
import type { Repository } from './repository';

/** Inputs of {@link planPrune}: every pack, the blobs still used, and where each used blob is read from. */
export interface PrunePlanInput {
  readonly packs: readonly PackEntry[];
  /** Used blob ID → the pack it is read from (a blob stored twice is used in one pack only). */
  readonly usedIn: ReadonlyMap<string, string>;
  /** Pack ID → last-modified time. */
  readonly packTimeMs: ReadonlyMap<string, number>;
  readonly nowMs: number;
  /** Repack only when unused bytes in partly used packs exceed this share of the repository. */
  readonly maxUnusedPercent: number;
  /** Object Lock retention: packs younger than this cannot really be removed, so they are left alone. */
  readonly objectLockMs: number;
}

/** What prune will do. */
export interface PrunePlan {
  readonly deletePacks: readonly string[];
  readonly repackPacks: readonly string[];
  readonly keepPacks: readonly string[];
  /** Packs with unused data still under Object Lock retention. */
  readonly lockedPacks: readonly string[];
  readonly totalBytes: number;
  readonly unusedBytes: number;
  /** Unused bytes in partly used packs (what a repack would reclaim). */
  readonly partialUnusedBytes: number;
}

/**
 * Pure: fully unused packs are deleted; partly used packs are repacked only when their unused bytes
 * exceed `maxUnusedPercent` of the repository (repacking rewrites their used blobs, which costs
 * requests and transfer); packs under Object Lock retention are neither deleted nor repacked, since
 * deleting a locked object only hides it and repacking would store its data twice.
 */
export function planPrune(input: PrunePlanInput): PrunePlan {
  const deletePacks: string[] = [];
  const partial: string[] = [];
  const keepPacks: string[] = [];
  const lockedPacks: string[] = [];
  let totalBytes = 0;
  let unusedBytes = 0;
  let partialUnusedBytes = 0;
  for (const pack of input.packs) {
    totalBytes += pack.size;
    const used = pack.blobs.filter((b) => input.usedIn.get(b.id) === pack.id);
    const usedBytes = used.reduce((n, b) => n + b.length, 0);
    unusedBytes += pack.blobs.reduce((n, b) => n + b.length, 0) - usedBytes;
    const age = input.nowMs - (input.packTimeMs.get(pack.id) ?? 0);
    const locked = input.objectLockMs > 0 && age < input.objectLockMs;
    if (used.length === pack.blobs.length) keepPacks.push(pack.id);
    else if (locked) lockedPacks.push(pack.id);
    else if (used.length === 0) deletePacks.push(pack.id);
    else {
      partial.push(pack.id);
      partialUnusedBytes += pack.blobs
        .filter((b) => input.usedIn.get(b.id) !== pack.id)
        .reduce((n, b) => n + b.length, 0);
    }
  }
  const repack = totalBytes > 0 && (partialUnusedBytes / totalBytes) * 100 > input.maxUnusedPercent;
  return {
    deletePacks,
    repackPacks: repack ? partial : [],
    keepPacks: repack ? keepPacks : [...keepPacks, ...partial],
    lockedPacks,
    totalBytes,
    unusedBytes,
    partialUnusedBytes,
  };
}

/** Options of {@link runPrune}. */
export interface PruneOptions {
  readonly nowMs: number;
  /** @default 5 (%) */
  readonly maxUnusedPercent?: number;
  /** @default 0 (no Object Lock) */
  readonly objectLockMs?: number;
  readonly dryRun?: boolean;
}

/** What prune did. */
export interface PruneResult extends PrunePlan {
  readonly dryRun: boolean;
  readonly packsWritten: number;
  readonly bytesFreed: number;
}

/**
 * Removes data no snapshot (or checkpoint) uses. Order keeps the repository valid at every step:
 * repacked blobs are uploaded, then one new index of every kept pack is written, then the old index
 * files are deleted, and only then the obsolete packs. The caller holds the lease.
 */
export async function runPrune(repo: Repository, opts: PruneOptions): Promise<PruneResult> {
  await repo.loadIndex();
  // One listing of the packs serves recovery and their ages (the caller holds the lease: no pack comes or goes).
  const present = await repo.listPacks();
  await repo.recoverUnindexedPacks(present);
  const oldIndexFiles = [...repo.indexFiles];

  const usedIn = new Map<string, string>();
  const markTree = async (tree: readonly string[]) => {
    for (const t of tree) usedIn.set(t, repo.blobs.get(t)?.pack ?? '');
    for (const n of await repo.readTree(tree)) {
      for (const b of n.content ?? []) usedIn.set(b, repo.blobs.get(b)?.pack ?? '');
    }
  };
  for (const s of await repo.listSnapshots()) await markTree(s.manifest.tree);
  for await (const o of repo.store.list(KEYS.checkpointPrefix)) {
    const cp = await repo.getMeta<Checkpoint>(o.key);
    if (cp) await markTree(cp.tree);
  }

  const packTimeMs = new Map([...present].map(([id, o]) => [id, o.lastModifiedMs]));
  const plan = planPrune({
    packs: [...repo.packs.values()],
    usedIn,
    packTimeMs,
    nowMs: opts.nowMs,
    maxUnusedPercent: opts.maxUnusedPercent ?? 5,
    objectLockMs: opts.objectLockMs ?? 0,
  });
  const freed = [...plan.deletePacks, ...plan.repackPacks].reduce(
    (n, id) => n + (repo.packs.get(id)?.size ?? 0),
    0,
  );
  if (opts.dryRun || (plan.deletePacks.length === 0 && plan.repackPacks.length === 0)) {
    return { ...plan, dryRun: opts.dryRun ?? false, packsWritten: 0, bytesFreed: 0 };
  }

  const writer = new PackWriter(repo);
  for (const id of plan.repackPacks) {
    const pack = repo.packs.get(id);
    const got = pack && (await repo.store.get(KEYS.pack(id)));
    if (!pack || !got) throw new Error(`pack ${id} vanished during prune; nothing was deleted`);
    for (const b of pack.blobs) {
      if (usedIn.get(b.id) !== id) continue;
      const stored = got.body.subarray(b.offset, b.offset + b.length);
      await repo.openBlob(b, stored, `pack ${id}`); // never copy corruption forward
      await writer.addStored(
        { id: b.id, type: b.type, codec: b.codec, length: b.length, rawLength: b.rawLength },
        stored.slice(),
      );
    }
  }
  await writer.flush();
  const kept = [...plan.keepPacks, ...plan.lockedPacks]
    .map((id) => repo.packs.get(id))
    .filter((p): p is PackEntry => !!p);
  await repo.writeIndex([...kept, ...writer.uploaded], oldIndexFiles);
  for (const key of oldIndexFiles) await repo.store.delete(key);
  for (const id of [...plan.deletePacks, ...plan.repackPacks]) await repo.store.delete(KEYS.pack(id));
  return { ...plan, dryRun: false, packsWritten: writer.packsWritten, bytesFreed: freed };
}
