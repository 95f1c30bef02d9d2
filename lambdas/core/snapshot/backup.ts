import type { SourceStat, SourceTree } from '../../ports/file-tree';
import { TREE_CHUNKER } from './chunker';
import { InFlight, Semaphore } from './concurrency';
import { bufferChunks, type FileChunkReader, ReaderFailure, sourceChunkReader } from './file-chunks';
import {
  type BackupStats,
  type Checkpoint,
  encodeTree,
  FORMAT_VERSION,
  KEYS,
  type SkippedEntry,
  type SnapshotManifest,
  sourceKey,
  type TreeNode,
} from './format';
import { PackWriter } from './pack-writer';
import type { Repository } from './repository';

/** Options of {@link runBackup}. */
export interface BackupOptions {
  /** Recorded in the snapshot; with `path`, picks the parent snapshot. */
  readonly hostname: string;
  /** The backed-up root as the user named it. */
  readonly path: string;
  /** The Clock. */
  readonly nowMs: () => number;
  /**
   * Parent snapshot ID, or `none` to read every file.
   * @default the latest snapshot of the same hostname and path
   */
  readonly parent?: string;
  readonly tags?: readonly string[];
  /**
   * Asked before each file that must be read: true makes the run stop reading, write its index and
   * a checkpoint, and return `checkpointed` (the Lambda passes "remaining time < margin").
   * @default never
   */
  readonly shouldStop?: () => boolean;
  /** Called between files; the caller renews its lease here when due. */
  readonly heartbeat?: () => Promise<void>;
  readonly onProgress?: (p: BackupProgress) => void;
  /**
   * Reads, chunks and hashes files (a worker-thread pool in the CLI).
   * @default in this thread, through `source`
   */
  readonly reader?: FileChunkReader;
  /** @default the reader's `concurrency`, else 8 files read at once */
  readonly fileConcurrency?: number;
  /** @default 16 blobs compressing at once */
  readonly blobConcurrency?: number;
}

/** Running totals for progress display. */
export interface BackupProgress {
  readonly files: number;
  readonly bytesRead: number;
  readonly bytesAdded: number;
  readonly bytesSeen: number;
}

/** How a run ended. */
export type BackupResult =
  | {
      readonly status: 'complete';
      readonly snapshotId: string;
      readonly stats: BackupStats;
      readonly skipped: readonly SkippedEntry[];
      readonly recoveredPacks: number;
      readonly resumed: boolean;
    }
  | {
      readonly status: 'checkpointed';
      readonly stats: BackupStats;
      readonly skipped: readonly SkippedEntry[];
      readonly recoveredPacks: number;
      readonly resumed: boolean;
    };

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function childPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/**
 * Backs a source tree up into the repository: walks it, skips files whose size, mtime and inode
 * match the parent snapshot (or a checkpoint), chunks and stores the rest, then writes packs → index
 * → snapshot. Unreadable entries are recorded in the snapshot and skipped. The caller holds the lease.
 */
export async function runBackup(
  repo: Repository,
  source: SourceTree,
  opts: BackupOptions,
): Promise<BackupResult> {
  const started = opts.nowMs();
  await repo.loadIndex();
  const recovered = await repo.recoverUnindexedPacks();
  const src = sourceKey(opts.hostname, opts.path);

  // Parent: the latest snapshot of this source, overlaid by a checkpoint left by a cut-short run.
  const checkpoint = await repo.getMeta<Checkpoint>(KEYS.checkpoint(src));
  let parentId: string | undefined;
  const previous = new Map<string, TreeNode>();
  if (opts.parent !== 'none') {
    const parent = opts.parent
      ? await repo.findSnapshot(opts.parent)
      : (await repo.listSnapshots()).filter((s) => s.manifest.source === src).pop();
    if (parent) {
      parentId = parent.id;
      for (const n of await repo.readTree(parent.manifest.tree)) previous.set(n.path, n);
    }
  }
  if (checkpoint) {
    for (const n of await repo.readTree(checkpoint.tree)) previous.set(n.path, n);
  }

  const writer = new PackWriter(repo);
  const nodes: TreeNode[] = [];
  const skipped: SkippedEntry[] = [];
  const fsOps = new Semaphore(32);
  const reader = opts.reader ?? sourceChunkReader(source);
  const fileReads = new Semaphore(opts.fileConcurrency ?? reader.concurrency ?? 8);
  // Compression runs behind hashing: a file is done once its chunks are hashed and claimed; their
  // compression and packing continue in the thread pool, at most this many at once (bounds memory).
  const adds = new InFlight(opts.blobConcurrency ?? 16);
  const params = repo.config.chunker;
  let stopped = false;
  const counts = { files: 0, dirs: 0, symlinks: 0, unchanged: 0, bytesTotal: 0, bytesRead: 0 };
  const progress = () =>
    opts.onProgress?.({
      files: counts.files,
      bytesRead: counts.bytesRead,
      bytesAdded: writer.bytesAdded,
      bytesSeen: counts.bytesTotal,
    });
  const storeFile = async (rel: string, st: SourceStat): Promise<TreeNode | undefined> => {
    const base = {
      path: rel,
      type: 'file' as const,
      mode: st.mode,
      mtimeNs: st.mtimeNs,
      size: st.size,
      inode: st.inode,
    };
    const old = previous.get(rel);
    if (
      old?.type === 'file' &&
      old.size === st.size &&
      old.mtimeNs === st.mtimeNs &&
      old.inode === st.inode &&
      (old.content ?? []).every((id) => repo.blobs.has(id))
    ) {
      counts.unchanged++;
      return { ...base, content: old.content };
    }
    return fileReads.run(async () => {
      if (stopped || opts.shouldStop?.()) {
        stopped = true;
        return undefined;
      }
      const content: string[] = [];
      let size = 0;
      try {
        for await (const chunk of reader.read(rel, st.size, params)) {
          size += chunk.rawLength;
          counts.bytesRead += chunk.rawLength;
          content.push(chunk.id);
          if (writer.claim(chunk.id)) {
            await adds.add(
              chunk.codec === undefined
                ? writer.add(chunk.id, 'data', chunk.data)
                : writer.addCompressed(chunk.id, 'data', chunk.codec, chunk.data, chunk.rawLength),
            );
          }
          if (size > params.maxSize) {
            await opts.heartbeat?.();
            // A huge file must not run past the time limit: drop it from this run; its chunks are
            // already stored, so the resumed run re-reads it but uploads nothing twice.
            if (opts.shouldStop?.()) {
              stopped = true;
              break;
            }
          }
        }
        if (stopped) return undefined;
      } catch (error) {
        if (error instanceof ReaderFailure) throw error;
        skipped.push({ path: rel, error: message(error) });
        return undefined;
      }
      progress();
      await opts.heartbeat?.();
      // The size read wins over the size stat'ed: the file may have changed while we read it.
      return { ...base, size, content };
    });
  };

  const visit = async (rel: string, st: SourceStat): Promise<void> => {
    if (st.kind === 'dir') {
      let entries: { readonly name: string; readonly stat?: SourceStat; readonly error?: Error }[];
      try {
        entries = source.scan
          ? await fsOps.run(() => (source.scan as NonNullable<SourceTree['scan']>)(rel))
          : (await fsOps.run(() => source.readdir(rel))).map((name) => ({ name }));
      } catch (error) {
        // An unreadable root is a failed backup, not an empty snapshot.
        if (rel === '') throw new Error(`cannot read backup source ${opts.path}: ${message(error)}`);
        skipped.push({ path: rel, error: message(error) });
        return;
      }
      nodes.push({ path: rel, type: 'dir', mode: st.mode, mtimeNs: st.mtimeNs });
      counts.dirs++;
      await Promise.all(
        entries.map(async (entry) => {
          const child = childPath(rel, entry.name);
          let cst: SourceStat;
          try {
            if (entry.error) throw entry.error;
            cst = entry.stat ?? (await fsOps.run(() => source.lstat(child)));
          } catch (error) {
            skipped.push({ path: child, error: message(error) });
            return;
          }
          await visit(child, cst);
        }),
      );
    } else if (st.kind === 'symlink') {
      try {
        const target = await fsOps.run(() => source.readlink(rel));
        nodes.push({ path: rel, type: 'symlink', mode: st.mode, mtimeNs: st.mtimeNs, target });
        counts.symlinks++;
      } catch (error) {
        skipped.push({ path: rel, error: message(error) });
      }
    } else if (st.kind === 'file') {
      const node = await storeFile(rel, st);
      if (node) {
        nodes.push(node);
        counts.files++;
        counts.bytesTotal += node.size ?? 0;
      }
    } else {
      skipped.push({ path: rel, error: 'unsupported file type (socket, FIFO or device)' });
    }
  };

  const rootStat = await source.lstat('');
  if (rootStat.kind !== 'dir') throw new Error(`backup source ${opts.path} is not a directory`);
  await visit('', rootStat);

  await adds.drain();
  // Tree blobs, then packs → index; the snapshot (or checkpoint) only after the index is written.
  const treeIds: string[] = [];
  // Small CDC chunks (TREE_CHUNKER), so unchanged stretches of the tree dedupe across snapshots.
  for (const part of bufferChunks(encodeTree(nodes), TREE_CHUNKER)) {
    treeIds.push(part.id);
    if (writer.claim(part.id)) await writer.add(part.id, 'tree', part.data.slice());
  }
  await writer.writeIndex();

  const stats: BackupStats = {
    files: counts.files,
    dirs: counts.dirs,
    symlinks: counts.symlinks,
    filesUnchanged: counts.unchanged,
    bytesTotal: counts.bytesTotal,
    bytesRead: counts.bytesRead,
    bytesAdded: writer.bytesAdded,
    blobsAdded: writer.blobsAdded,
    packsWritten: writer.packsWritten,
    durationMs: opts.nowMs() - started,
  };
  const common = { stats, skipped, recoveredPacks: recovered.length, resumed: checkpoint !== undefined };

  if (stopped) {
    const next: Checkpoint = {
      version: FORMAT_VERSION,
      startedMs: checkpoint?.startedMs ?? started,
      writtenMs: opts.nowMs(),
      source: src,
      parent: parentId,
      tree: treeIds,
      invocations: (checkpoint?.invocations ?? 0) + 1,
    };
    await repo.store.put(KEYS.checkpoint(src), await repo.encodeMeta(next));
    return { status: 'checkpointed', ...common };
  }

  const manifest: SnapshotManifest = {
    version: FORMAT_VERSION,
    timeMs: started,
    hostname: opts.hostname,
    path: opts.path,
    source: src,
    parent: parentId,
    tree: treeIds,
    stats,
    skipped,
    tags: opts.tags,
  };
  const snapshotId = await repo.putMeta(KEYS.snapshotPrefix, manifest);
  if (checkpoint) await repo.store.delete(KEYS.checkpoint(src));
  return { status: 'complete', snapshotId, ...common };
}
