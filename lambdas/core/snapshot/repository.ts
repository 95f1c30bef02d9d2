import { type KeyManagement, KeyManagementError } from '../../ports/key-management';
import { type ObjectInfo, type ObjectStore, PreconditionFailedError } from '../../ports/object-store';
import { DATA_CHUNKER } from './chunker';
import { type CodecSet, NONE_CODEC } from './codec';
import {
  DecryptionError,
  type EncryptionConfig,
  isKmsEncryption,
  newEncryption,
  newKmsEncryption,
  openEncryption,
  openKmsEncryption,
  seal,
  unseal,
} from './crypto';
import {
  type BlobEntry,
  type CompactIndex,
  compactIndex,
  decodePackTail,
  decodeTree,
  expandIndex,
  FORMAT_VERSION,
  type IndexFile,
  KEYS,
  KMS_CONFIG_VERSION,
  type PackEntry,
  type RepoConfig,
  type SnapshotManifest,
  sha256,
  type TreeNode,
} from './format';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Default target pack size: 16 MiB, few enough objects for S3 and small enough to repack. */
export const DEFAULT_PACK_SIZE = 16 * 1024 * 1024;

/** Where a blob lives. */
export interface BlobLocation {
  readonly pack: string;
  readonly entry: BlobEntry;
}

/** A snapshot and its ID. */
export interface SnapshotRef {
  readonly id: string;
  readonly manifest: SnapshotManifest;
}

/** Raised when a repository is absent or unreadable; the CLI maps it to exit code 3. */
export class RepositoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RepositoryError';
  }
}

/**
 * A repository over an {@link ObjectStore}: config, the in-memory index, blob reads, and metadata
 * objects. Metadata objects (index, snapshots, checkpoints) are an envelope: the codec name, a
 * newline, then the compressed JSON.
 */
export class Repository {
  /** Blob ID to location, from every index file (and recovered packs). */
  readonly blobs = new Map<string, BlobLocation>();
  /** Pack ID to entry. */
  readonly packs = new Map<string, PackEntry>();
  /** Keys of loaded index files. */
  readonly indexFiles: string[] = [];

  private constructor(
    readonly store: ObjectStore,
    readonly config: RepoConfig,
    readonly codecs: CodecSet,
    private readonly key?: Uint8Array,
  ) {}

  /** Is this repository encrypted client-side? */
  get encrypted(): boolean {
    return this.key !== undefined;
  }

  /** Encrypts stored bytes when the repository is encrypted (blobs, pack headers, metadata). */
  seal(data: Uint8Array): Uint8Array {
    return this.key ? seal(this.key, data) : data;
  }

  /** Reverses {@link seal}. */
  unseal(data: Uint8Array, what: string): Uint8Array {
    return this.key ? unseal(this.key, data, what) : data;
  }

  /** Creates a repository (or returns the existing one when `config` exists). */
  static async init(
    store: ObjectStore,
    codecs: CodecSet,
    options: {
      id: string;
      nowMs: number;
      packSize?: number;
      chunker?: RepoConfig['chunker'];
      /** Encrypt a new repository with this passphrase; also opens an existing encrypted one. */
      passphrase?: string;
      /** Create the repository encrypted (needs `passphrase`). */
      encrypt?: boolean;
      /**
       * Create the repository encrypted with a data key from this KMS key (ARN, ID or alias; needs
       * `kms`). An existing repository must already be keyed by it.
       */
      kmsKeyId?: string;
      /** KMS, for `kmsKeyId` and to open an existing KMS-keyed repository. */
      kms?: KeyManagement;
    },
  ): Promise<Repository> {
    const { passphrase, kmsKeyId, kms } = options;
    if (kmsKeyId && passphrase) {
      throw new RepositoryError('give a KMS key or a passphrase for the repository key, not both');
    }
    if (kmsKeyId && !kms) throw new RepositoryError('a KMS key needs a KMS client');
    if (options.encrypt && !passphrase && !kmsKeyId)
      throw new RepositoryError('encryption needs a passphrase');
    const existing = await store.head(KEYS.config);
    let encryption: EncryptionConfig | undefined;
    if (!existing && kmsKeyId && kms) {
      // GenerateDataKey, then Decrypt: a caller without kms:Decrypt fails here, before writing anything.
      encryption = (await withKeyErrors(() => newKmsEncryption(kms, kmsKeyId, options.id))).config;
    } else if (!existing && options.encrypt && passphrase) {
      encryption = (await newEncryption(passphrase)).config;
    }
    const config: RepoConfig = {
      version: isKmsEncryption(encryption) ? KMS_CONFIG_VERSION : FORMAT_VERSION,
      id: options.id,
      createdMs: options.nowMs,
      chunker: options.chunker ?? DATA_CHUNKER,
      packSize: options.packSize ?? DEFAULT_PACK_SIZE,
      encryption,
    };
    if (!existing) {
      try {
        await store.put(KEYS.config, enc.encode(JSON.stringify(config, null, 2)), {
          ifNoneMatch: '*',
          contentType: 'application/json',
        });
      } catch (error) {
        // Another run created it first: open theirs.
        if (!(error instanceof PreconditionFailedError)) throw error;
      }
    }
    // Asked for a KMS key: the repository there (ours, or one that existed) must be keyed by it.
    if (kmsKeyId) checkKmsKey((await Repository.readConfig(store)).encryption, kmsKeyId);
    return Repository.open(store, codecs, { passphrase, kms });
  }

  /** Reads the config object; throws {@link RepositoryError} when there is none. */
  static async readConfig(store: ObjectStore): Promise<RepoConfig> {
    const raw = await store.get(KEYS.config);
    if (!raw) throw new RepositoryError('no repository here (no config object); run a backup to create one');
    return JSON.parse(dec.decode(raw.body)) as RepoConfig;
  }

  /**
   * Opens an existing repository; throws {@link RepositoryError} when there is none, or its key cannot
   * be had: a passphrase repository without or with a wrong passphrase, a KMS repository without
   * `kms` or kms:Decrypt on its key, or with a passphrase given (it would be silently unused).
   */
  static async open(store: ObjectStore, codecs: CodecSet, keys: RepoKeys = {}): Promise<Repository> {
    const config = await Repository.readConfig(store);
    const kmsKeyed = isKmsEncryption(config.encryption);
    if (config.version !== (kmsKeyed ? KMS_CONFIG_VERSION : FORMAT_VERSION)) {
      throw new RepositoryError(
        `repository format version ${config.version} is not supported (want ${FORMAT_VERSION}, or ${KMS_CONFIG_VERSION} with a KMS key)`,
      );
    }
    const e = config.encryption;
    if (!e) return new Repository(store, config, codecs);
    if (isKmsEncryption(e)) {
      if (keys.passphrase) {
        throw new RepositoryError(
          `the repository key is in KMS (key ${e.kms.keyArn}), not a passphrase: unset BULKHEAD_PASSWORD`,
        );
      }
      if (!keys.kms)
        throw new RepositoryError(`the repository key is in KMS (key ${e.kms.keyArn}): no KMS client`);
      const kms = keys.kms;
      return new Repository(
        store,
        config,
        codecs,
        await withKeyErrors(() => openKmsEncryption(e, kms, config.id)),
      );
    }
    if (!keys.passphrase)
      throw new RepositoryError('the repository is encrypted: give its passphrase (BULKHEAD_PASSWORD)');
    try {
      return new Repository(store, config, codecs, await openEncryption(e, keys.passphrase));
    } catch (error) {
      if (error instanceof DecryptionError) throw new RepositoryError('wrong passphrase for this repository');
      throw error;
    }
  }

  /** Encodes a metadata object as an envelope with the write codec. */
  async encodeMeta(value: unknown): Promise<Uint8Array> {
    const json = enc.encode(JSON.stringify(value));
    const body = this.seal(await this.codecs.write.compress(json));
    const head = enc.encode(`${this.codecs.write.name}\n`);
    const out = new Uint8Array(head.length + body.length);
    out.set(head, 0);
    out.set(body, head.length);
    return out;
  }

  /** Decodes an envelope. */
  async decodeMeta<T>(bytes: Uint8Array, key: string): Promise<T> {
    const nl = bytes.indexOf(0x0a);
    if (nl < 0 || nl > 16) throw new RepositoryError(`${key} is not a metadata envelope`);
    const name = dec.decode(bytes.subarray(0, nl));
    const codec = this.codec(name, key);
    return JSON.parse(dec.decode(await codec.decompress(this.unseal(bytes.subarray(nl + 1), key)))) as T;
  }

  private codec(name: string, what: string) {
    const c = name === 'none' ? NONE_CODEC : this.codecs.byName.get(name);
    if (!c) {
      throw new RepositoryError(
        `${what} is compressed with ${name}, which this runtime lacks (have ${[...this.codecs.byName.keys()].join(', ')})`,
      );
    }
    return c;
  }

  /** Writes a content-addressed metadata object under `prefix` and returns its ID. */
  async putMeta(prefix: string, value: unknown): Promise<string> {
    const bytes = await this.encodeMeta(value);
    const id = sha256(bytes);
    await this.store.put(`${prefix}${id}`, bytes, { ifNoneMatch: '*' }).catch((error) => {
      if (!(error instanceof PreconditionFailedError)) throw error; // same bytes already there
    });
    return id;
  }

  /** Reads a metadata object, or undefined when absent. */
  async getMeta<T>(key: string): Promise<T | undefined> {
    const raw = await this.store.get(key);
    return raw ? this.decodeMeta<T>(raw.body, key) : undefined;
  }

  /** Adds a pack's blobs to the in-memory index. */
  addPack(pack: PackEntry): void {
    this.packs.set(pack.id, pack);
    for (const entry of pack.blobs) {
      if (!this.blobs.has(entry.id)) this.blobs.set(entry.id, { pack: pack.id, entry });
    }
  }

  private indexLoaded = false;

  /** Loads every index file once. Unreadable index files are errors: they would hide data. */
  async loadIndex(): Promise<void> {
    if (this.indexLoaded) return;
    this.indexLoaded = true;
    const keys: string[] = [];
    for await (const o of this.store.list(KEYS.indexPrefix)) keys.push(o.key);
    const files = await mapLimit(keys, 8, async (key) => ({
      key,
      file: await this.getMeta<CompactIndex>(key),
    }));
    for (const { key, file } of files) {
      if (file === undefined) continue; // deleted by a concurrent prune after listing
      const index: IndexFile = expandIndex(file);
      this.indexFiles.push(key);
      for (const p of index.packs) this.addPack(p);
    }
  }

  /** Writes an index file listing `packs` (after they are uploaded: packs → index → snapshot). */
  async writeIndex(packs: readonly PackEntry[], supersedes?: readonly string[]): Promise<string | undefined> {
    if (packs.length === 0 && !supersedes) return undefined;
    const file: IndexFile = { version: FORMAT_VERSION, packs, supersedes };
    const id = await this.putMeta(KEYS.indexPrefix, compactIndex(file));
    this.indexFiles.push(KEYS.index(id));
    return id;
  }

  /** Lists the packs present in the store: pack ID → its listing (size, last modified). */
  async listPacks(): Promise<Map<string, ObjectInfo>> {
    const out = new Map<string, ObjectInfo>();
    for await (const o of this.store.list(KEYS.dataPrefix))
      out.set(o.key.slice(o.key.lastIndexOf('/') + 1), o);
    return out;
  }

  /** Reads a pack's header from its tail (one or two range reads). */
  async readPackHeader(id: string, size: number): Promise<PackEntry> {
    let want = Math.min(size, 64 * 1024);
    for (;;) {
      const tail = await this.store.getRange(KEYS.pack(id), size - want, size);
      const got = decodePackTail(id, size, tail, (h) => this.unseal(h, `pack ${id} header`));
      if ('blobs' in got) return got;
      if (got.needBytes > size) throw new RepositoryError(`pack ${id} header is longer than the pack`);
      want = got.needBytes;
    }
  }

  /**
   * Finds packs no index lists (left by a run killed between uploading packs and writing its index),
   * reads their headers, and indexes them, so their blobs are reused instead of uploaded again.
   * `present` is a {@link listPacks} the caller made already.
   */
  async recoverUnindexedPacks(present?: ReadonlyMap<string, ObjectInfo>): Promise<PackEntry[]> {
    const missing = [...(present ?? (await this.listPacks()))].filter(([id]) => !this.packs.has(id));
    const recovered: PackEntry[] = [];
    for (const [id, { size }] of missing) {
      try {
        const pack = await this.readPackHeader(id, size);
        this.addPack(pack);
        recovered.push(pack);
      } catch {
        // A pack we cannot parse is left for verify to report and prune to remove; it is not referenced.
      }
    }
    if (recovered.length > 0) await this.writeIndex(recovered);
    return recovered;
  }

  /** Decompresses and checks one stored blob. */
  async openBlob(entry: BlobEntry, stored: Uint8Array, where: string): Promise<Uint8Array> {
    let plain: Uint8Array;
    try {
      plain = this.unseal(stored, `blob ${entry.id}`);
    } catch {
      throw new RepositoryError(`blob ${entry.id} in ${where} fails authentication (corrupted)`);
    }
    const raw = await this.codec(entry.codec, `blob ${entry.id}`).decompress(plain);
    if (raw.length !== entry.rawLength || sha256(raw) !== entry.id) {
      throw new RepositoryError(`blob ${entry.id} in ${where} does not match its ID (corrupted)`);
    }
    return raw;
  }

  /** Reads, decompresses and checks one blob. */
  async readBlob(id: string): Promise<Uint8Array> {
    const loc = this.blobs.get(id);
    if (!loc) throw new RepositoryError(`blob ${id} is not in the index`);
    const { entry } = loc;
    const stored = await this.store.getRange(KEYS.pack(loc.pack), entry.offset, entry.offset + entry.length);
    return this.openBlob(entry, stored, `pack ${loc.pack}`);
  }

  /** Lists snapshots, oldest first. */
  async listSnapshots(): Promise<SnapshotRef[]> {
    const keys: string[] = [];
    for await (const o of this.store.list(KEYS.snapshotPrefix)) keys.push(o.key);
    const refs = await mapLimit(keys, 8, async (key) => {
      const manifest = await this.getMeta<SnapshotManifest>(key);
      return manifest ? { id: key.slice(KEYS.snapshotPrefix.length), manifest } : undefined;
    });
    return refs
      .filter((r): r is SnapshotRef => r !== undefined)
      .sort((a, b) => a.manifest.timeMs - b.manifest.timeMs);
  }

  /** Resolves `latest`, a full ID or a unique ID prefix. */
  async findSnapshot(ref: string): Promise<SnapshotRef> {
    const all = await this.listSnapshots();
    if (all.length === 0) throw new RepositoryError('the repository has no snapshots');
    if (ref === 'latest') return all[all.length - 1];
    const hits = all.filter((s) => s.id.startsWith(ref));
    if (hits.length === 1) return hits[0];
    throw new RepositoryError(
      hits.length === 0
        ? `no snapshot matches ${JSON.stringify(ref)}`
        : `${JSON.stringify(ref)} matches ${hits.length} snapshots`,
    );
  }

  /** Loads a snapshot's tree. */
  async readTree(treeBlobs: readonly string[]): Promise<TreeNode[]> {
    await this.loadIndex();
    const parts = await mapLimit(treeBlobs, 4, (id) => this.readBlob(id));
    const total = parts.reduce((n, p) => n + p.length, 0);
    const all = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return decodeTree(all);
  }
}

/** What opens an encrypted repository: its passphrase, or KMS for a KMS-keyed one. */
export interface RepoKeys {
  readonly passphrase?: string;
  /** Needed only for a repository whose key is in KMS (its key ARN is in the config). */
  readonly kms?: KeyManagement;
}

/** KMS refusals and a data key that does not check out become {@link RepositoryError}s with KMS's reason. */
async function withKeyErrors<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof KeyManagementError || error instanceof DecryptionError) {
      throw new RepositoryError(error.message);
    }
    throw error;
  }
}

/**
 * An existing repository opened with a KMS key asked for must be keyed by that key. An alias cannot
 * be compared without asking KMS, and the config's key is the one used anyway, so it passes.
 */
function checkKmsKey(encryption: EncryptionConfig | undefined, asked: string): void {
  if (!isKmsEncryption(encryption)) {
    throw new RepositoryError(
      `the repository exists and its key is ${encryption ? 'a passphrase' : 'absent (not encrypted)'}, not KMS key ${asked}: a KMS key applies only when creating a repository`,
    );
  }
  const arn = encryption.kms.keyArn;
  const isAlias = asked.startsWith('alias/') || asked.includes(':alias/');
  if (!isAlias && asked !== arn && !arn.endsWith(`:key/${asked}`)) {
    throw new RepositoryError(`the repository is keyed by KMS key ${arn}, not ${asked}`);
  }
}

/** Maps with at most `limit` calls in flight, keeping order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}
