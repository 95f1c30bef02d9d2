import { createHash } from 'node:crypto';
import type { ChunkerParams } from './chunker';
import type { EncryptionConfig } from './crypto';

/**
 * The repository format, version 1. Every key is relative to the repository root:
 *
 * - `config`: {@link RepoConfig}, written once with If-None-Match.
 * - `data/<id[0..2]>/<id>`: immutable packs; `id` is the SHA-256 of the pack's bytes. A pack is the
 *   blobs back to back, then a JSON header listing them, then the header length (uint32 LE), then
 *   the magic `BHP1`. The header makes packs self-describing, so an index can be rebuilt from them.
 * - `index/<id>`: append-only index files (an envelope of {@link IndexFile}); never rewritten except
 *   by `prune`, which writes the new index before deleting the old ones.
 * - `snapshots/<id>`: snapshot manifests (an envelope of {@link SnapshotManifest}).
 * - `checkpoints/<source>`: the partial tree of a backup cut short by its time limit.
 * - `locks/repository`: the lease ({@link ../lease.ts}).
 *
 * A blob is one compressed chunk of file data, or of a tree stream. Its ID is the SHA-256 of its
 * uncompressed bytes, and it records its own codec.
 */
export const FORMAT_VERSION = 1;

/**
 * The config version of a repository whose master key is a KMS data key. Everything else in it is
 * format {@link FORMAT_VERSION}; the bump only makes readers that predate KMS refuse it with "version
 * not supported" instead of asking for a passphrase. Passphrase and unencrypted repositories stay 1.
 */
export const KMS_CONFIG_VERSION = 2;

/** Where things live. */
export const KEYS = {
  config: 'config',
  lock: 'locks/repository',
  dataPrefix: 'data/',
  indexPrefix: 'index/',
  snapshotPrefix: 'snapshots/',
  checkpointPrefix: 'checkpoints/',
  pack: (id: string) => `data/${id.slice(0, 2)}/${id}`,
  index: (id: string) => `index/${id}`,
  snapshot: (id: string) => `snapshots/${id}`,
  checkpoint: (source: string) => `checkpoints/${source}`,
} as const;

/** Written once at `init`. */
export interface RepoConfig {
  readonly version: number;
  readonly id: string;
  readonly createdMs: number;
  readonly chunker: ChunkerParams;
  /** Target pack size in bytes (default 16 MiB). */
  readonly packSize: number;
  /** Present when blobs, pack headers and metadata are encrypted client-side. */
  readonly encryption?: EncryptionConfig;
}

/** `data` blobs hold file contents; `tree` blobs hold the NDJSON tree stream of a snapshot. */
export type BlobType = 'data' | 'tree';

/** One blob in a pack. */
export interface BlobEntry {
  readonly id: string;
  readonly type: BlobType;
  readonly codec: string;
  readonly offset: number;
  /** Stored (compressed) length. */
  readonly length: number;
  /** Uncompressed length. */
  readonly rawLength: number;
}

/** One pack and its blobs. */
export interface PackEntry {
  readonly id: string;
  readonly size: number;
  readonly blobs: readonly BlobEntry[];
}

/** An index file: the packs one run (or one prune) added. */
export interface IndexFile {
  readonly version: number;
  readonly packs: readonly PackEntry[];
  /** Index files this one replaces (written by prune). */
  readonly supersedes?: readonly string[];
}

/** One entry of a snapshot's tree, sorted by path. */
export interface TreeNode {
  /** Path relative to the backup root, `/`-separated; `` is the root directory itself. */
  readonly path: string;
  readonly type: 'file' | 'dir' | 'symlink';
  /** st_mode permission bits (and setuid/setgid/sticky). */
  readonly mode: number;
  /** mtime in nanoseconds since the epoch, as a decimal string (exceeds 2^53). */
  readonly mtimeNs: string;
  readonly size?: number;
  /** Inode number, for the parent-snapshot skip. */
  readonly inode?: string;
  /** Blob IDs of the content, in order. */
  readonly content?: readonly string[];
  readonly target?: string;
}

/** A file or directory that could not be read, recorded instead of aborting the run. */
export interface SkippedEntry {
  readonly path: string;
  readonly error: string;
}

/** What a backup did. */
export interface BackupStats {
  readonly files: number;
  readonly dirs: number;
  readonly symlinks: number;
  /** Files whose size, mtime and inode matched the parent and were not read. */
  readonly filesUnchanged: number;
  /** Sum of file sizes in the tree. */
  readonly bytesTotal: number;
  /** Bytes read from the source. */
  readonly bytesRead: number;
  /** Stored (compressed) bytes of blobs new to the repository. */
  readonly bytesAdded: number;
  readonly blobsAdded: number;
  readonly packsWritten: number;
  readonly durationMs: number;
}

/** A snapshot manifest: the tree (by its blob IDs), where it came from, and what was skipped. */
export interface SnapshotManifest {
  readonly version: number;
  readonly timeMs: number;
  readonly hostname: string;
  /** The backed-up root as given. */
  readonly path: string;
  /** Groups snapshots of the same hostname + path (parent choice, retention). */
  readonly source: string;
  readonly parent?: string;
  /** Blob IDs of the NDJSON tree stream ({@link TreeNode} per line). */
  readonly tree: readonly string[];
  readonly stats: BackupStats;
  readonly skipped: readonly SkippedEntry[];
  readonly tags?: readonly string[];
}

/** A backup cut short: its partial tree, which the next run uses as a parent. */
export interface Checkpoint {
  readonly version: number;
  readonly startedMs: number;
  readonly writtenMs: number;
  readonly source: string;
  readonly parent?: string;
  readonly tree: readonly string[];
  readonly invocations: number;
}

/** Hex SHA-256. */
export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The source key of hostname + path. */
export function sourceKey(hostname: string, path: string): string {
  return sha256(new TextEncoder().encode(`${hostname}\0${path}`)).slice(0, 16);
}

const PACK_MAGIC = new Uint8Array([0x42, 0x48, 0x50, 0x31]); // "BHP1"
const enc = new TextEncoder();
const dec = new TextDecoder();

/** One blob as stored in pack headers and index files. */
export type HeaderRow = [
  id: string,
  type: BlobType,
  codec: string,
  offset: number,
  length: number,
  rawLength: number,
];

/** A blob entry as a {@link HeaderRow}. */
function toRow(e: BlobEntry): HeaderRow {
  return [e.id, e.type, e.codec, e.offset, e.length, e.rawLength];
}

/** A {@link HeaderRow} as a blob entry. */
function fromRow([id, type, codec, offset, length, rawLength]: HeaderRow): BlobEntry {
  return { id, type, codec, offset, length, rawLength };
}

/**
 * Lays out a pack: the stored blobs back to back, the (sealed) JSON header, its length (u32 LE) and
 * the magic. The pack's ID is the SHA-256 of these bytes (the pack writer hashes them off-thread).
 */
export function packBytes(
  blobs: readonly { entry: Omit<BlobEntry, 'offset'>; data: Uint8Array }[],
  sealHeader: (header: Uint8Array) => Uint8Array = (h) => h,
  // Every byte is written below: skip zero-filling a 16 MiB buffer per pack.
  alloc: (length: number) => Uint8Array = (length) => Buffer.allocUnsafeSlow(length),
): { bytes: Uint8Array; blobs: BlobEntry[] } {
  const entries: BlobEntry[] = [];
  let offset = 0;
  for (const b of blobs) {
    entries.push({ ...b.entry, offset });
    offset += b.data.length;
  }
  const rows = entries.map(toRow);
  const header = sealHeader(enc.encode(JSON.stringify({ v: FORMAT_VERSION, blobs: rows })));
  const bytes = alloc(offset + header.length + 8);
  let at = 0;
  for (const b of blobs) {
    bytes.set(b.data, at);
    at += b.data.length;
  }
  bytes.set(header, at);
  at += header.length;
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(at, header.length, true);
  bytes.set(PACK_MAGIC, at + 4);
  return { bytes, blobs: entries };
}

/** Reads the header from a pack's tail (the last `tail.length` bytes of a pack of `size` bytes). */
export function decodePackTail(
  id: string,
  size: number,
  tail: Uint8Array,
  openHeader: (header: Uint8Array) => Uint8Array = (h) => h,
): PackEntry | { needBytes: number } {
  if (tail.length < 8) throw new Error(`pack ${id} is too short (${size} bytes) to be a pack`);
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  const magicAt = tail.length - 4;
  for (let i = 0; i < 4; i++) {
    if (tail[magicAt + i] !== PACK_MAGIC[i]) throw new Error(`pack ${id} has no BHP1 trailer`);
  }
  const headerLength = view.getUint32(tail.length - 8, true);
  if (headerLength + 8 > tail.length) return { needBytes: headerLength + 8 };
  const header = JSON.parse(
    dec.decode(openHeader(tail.subarray(tail.length - 8 - headerLength, tail.length - 8))),
  ) as {
    blobs: HeaderRow[];
  };
  return { id, size, blobs: header.blobs.map(fromRow) };
}

/** The stored shape of an index file: blob rows as arrays, so keys are not repeated per blob. */
export interface CompactIndex {
  readonly version: number;
  readonly supersedes?: readonly string[];
  readonly packs: readonly { id: string; size: number; blobs: HeaderRow[] }[];
}

/** Compacts an index file for storage. */
export function compactIndex(file: IndexFile): CompactIndex {
  return {
    version: file.version,
    supersedes: file.supersedes,
    packs: file.packs.map((p) => ({
      id: p.id,
      size: p.size,
      blobs: p.blobs.map(toRow),
    })),
  };
}

/** Expands {@link compactIndex}'s output, checking its version. */
export function expandIndex(raw: CompactIndex): IndexFile {
  if (raw.version !== FORMAT_VERSION || !Array.isArray(raw.packs))
    throw new Error('not a version 1 index file');
  return {
    version: raw.version,
    supersedes: raw.supersedes,
    packs: raw.packs.map((p) => ({
      id: p.id,
      size: p.size,
      blobs: p.blobs.map(fromRow),
    })),
  };
}

/** Serializes tree nodes as NDJSON, sorted by path. */
export function encodeTree(nodes: readonly TreeNode[]): Uint8Array {
  const sorted = [...nodes].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return enc.encode(sorted.map((n) => JSON.stringify(n)).join('\n'));
}

/** Parses {@link encodeTree}'s output. */
export function decodeTree(bytes: Uint8Array): TreeNode[] {
  const text = dec.decode(bytes);
  if (text === '') return [];
  return text.split('\n').map((line) => JSON.parse(line) as TreeNode);
}
