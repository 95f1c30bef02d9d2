import { createHash, type Hash } from 'node:crypto';
import { compressBlob } from './codec';
import { type BlobEntry, type BlobType, KEYS, type PackEntry, packBytes } from './format';
import type { Repository } from './repository';

interface Pending {
  readonly entry: Omit<BlobEntry, 'offset'>;
  readonly data: Uint8Array;
}

/**
 * Collects new blobs into packs of about `packSize` bytes and uploads each as soon as it is full, with
 * a bounded number of uploads in flight. A blob is known (not stored again) from the moment it is
 * added, so two files sharing a new chunk store it once. Uploaded packs are listed in
 * {@link uploaded} until {@link writeIndex} records them: packs → index.
 *
 * Memory: the pack's ID is hashed as its blobs arrive, and the buffer of an uploaded pack is reused
 * for a later one (the store is done with a body once `put` settles). A fresh buffer per pack, and
 * the copy WebCrypto made of it to hash it in the thread pool, cost two 16 MiB runs of new pages
 * per pack: about a quarter of the page faults of a first backup of node_modules.
 */
export class PackWriter {
  private current: Pending[] = [];
  private currentBytes = 0;
  /** SHA-256 of the current pack's blobs so far: the pack ID once its header and trailer are added. */
  private hash: Hash = createHash('sha256');
  /** Buffers of uploaded packs, for the next ones. */
  private readonly spare: Uint8Array[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly known = new Set<string>();
  private failure: unknown;
  /** Uploaded packs not yet in an index file. */
  uploaded: PackEntry[] = [];
  /** Stored bytes of blobs added. */
  bytesAdded = 0;
  blobsAdded = 0;
  packsWritten = 0;

  constructor(
    private readonly repo: Repository,
    private readonly packSize = repo.config.packSize,
    private readonly maxInFlight = 2,
  ) {}

  /** Is this blob in the repository or queued for it? */
  has(id: string): boolean {
    return this.known.has(id) || this.repo.blobs.has(id);
  }

  /** Claims a blob ID before the (async) compression, so concurrent adders store it once. Returns false if known. */
  claim(id: string): boolean {
    if (this.has(id)) return false;
    this.known.add(id);
    return true;
  }

  /** Compresses and queues a claimed blob; stores it raw when compression does not help. */
  async add(id: string, type: BlobType, raw: Uint8Array): Promise<void> {
    const stored = await compressBlob(this.repo.codecs.write, raw);
    await this.addCompressed(id, type, stored.codec, stored.data, raw.length);
  }

  /**
   * Queues a claimed blob compressed elsewhere (a chunk worker) with `codec`, one this repository
   * reads: each blob records its codec, so it need not be the write codec.
   */
  async addCompressed(
    id: string,
    type: BlobType,
    codec: string,
    compressed: Uint8Array,
    rawLength: number,
  ): Promise<void> {
    if (!this.repo.codecs.byName.has(codec))
      throw new Error(`blob ${id}: codec ${codec} is not readable here`);
    const data = this.repo.seal(compressed);
    await this.queue({ id, type, codec, length: data.length, rawLength }, data);
  }

  /** Queues an already-stored blob as is (prune's repack: no recompression). */
  async addStored(entry: Omit<BlobEntry, 'offset'>, data: Uint8Array): Promise<void> {
    this.known.add(entry.id);
    await this.queue(entry, data);
  }

  /** Appends a stored-form blob to the current pack, sealing the pack once it is full. */
  private async queue(entry: Omit<BlobEntry, 'offset'>, data: Uint8Array): Promise<void> {
    this.current.push({ entry, data });
    this.hash.update(data);
    this.currentBytes += data.length;
    this.bytesAdded += data.length;
    this.blobsAdded++;
    if (this.currentBytes >= this.packSize) await this.seal();
  }

  /** Starts uploading the current pack; waits while too many uploads are in flight. */
  private async seal(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.current.length === 0) return;
    const blobs = this.current;
    const blobBytes = this.currentBytes;
    const hash = this.hash;
    this.current = [];
    this.currentBytes = 0;
    this.hash = createHash('sha256');
    const { bytes, blobs: entries } = packBytes(
      blobs,
      (h) => this.repo.seal(h),
      (length) => this.takeBuffer(length),
    );
    // The blobs are hashed already: add the header and trailer packBytes wrote after them.
    const id = hash.update(bytes.subarray(blobBytes)).digest('hex');
    const entry: PackEntry = { id, size: bytes.length, blobs: entries };
    const upload: Promise<void> = this.repo.store
      .put(KEYS.pack(id), bytes, { contentType: 'application/octet-stream' })
      .then(
        () => {
          this.uploaded.push(entry);
          this.repo.addPack(entry);
          this.packsWritten++;
        },
        (error) => {
          this.failure ??= error;
        },
      )
      .finally(() => {
        this.inFlight.delete(upload);
        if (this.spare.length <= this.maxInFlight) this.spare.push(new Uint8Array(bytes.buffer));
      });
    this.inFlight.add(upload);
    while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure;
  }

  /**
   * A spare buffer with room for `length` bytes, or a new one with room for any pack: a pack seals
   * once it reaches `packSize`, so it holds at most one more blob (a chunk of up to the chunker's
   * max size) and a header of about 120 bytes a blob (a sixteenth of the pack covers one blob per
   * ~2 KiB).
   */
  private takeBuffer(length: number): Uint8Array {
    const i = this.spare.findIndex((b) => b.length >= length);
    if (i >= 0) return this.spare.splice(i, 1)[0].subarray(0, length);
    const room = this.packSize + this.repo.config.chunker.maxSize + Math.ceil(this.packSize / 16);
    // Not zero-filled: packBytes writes every byte it returns.
    return Buffer.allocUnsafeSlow(Math.max(length, room)).subarray(0, length);
  }

  /** Seals the current pack and waits for every upload. */
  async flush(): Promise<void> {
    await this.seal();
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }

  /** Flushes, then writes one index file for everything uploaded since the last call. */
  async writeIndex(): Promise<void> {
    await this.flush();
    const packs = this.uploaded;
    this.uploaded = [];
    await this.repo.writeIndex(packs);
  }
}
