import { createHash } from 'node:crypto';
import {
  type ObjectInfo,
  ObjectNotFoundError,
  type ObjectStore,
  PreconditionFailedError,
  type PutOptions,
  type StoredObject,
} from '../../ports/object-store';

/**
 * An in-process {@link ObjectStore} with S3's conditional-write semantics. It backs unit tests and
 * the simulated region, where no S3 exists.
 */
export class MemoryObjectStore implements ObjectStore {
  private readonly objects = new Map<string, { body: Uint8Array; etag: string; lastModifiedMs: number }>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  async get(key: string): Promise<StoredObject | undefined> {
    const o = this.objects.get(key);
    return o ? { body: o.body.slice(), etag: o.etag } : undefined;
  }

  async getRange(key: string, start: number, end: number): Promise<Uint8Array> {
    const o = this.objects.get(key);
    if (!o) throw new ObjectNotFoundError(key);
    return o.body.slice(start, end);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const o = this.objects.get(key);
    return o ? { key, size: o.body.length, etag: o.etag, lastModifiedMs: o.lastModifiedMs } : undefined;
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<{ etag: string }> {
    const current = this.objects.get(key);
    if (options.ifNoneMatch === '*' && current) throw new PreconditionFailedError(key);
    if (options.ifMatch !== undefined && current?.etag !== options.ifMatch)
      throw new PreconditionFailedError(key);
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    // A copy: `Buffer#slice` would only be a view, and the caller may reuse its buffer once put settles.
    this.objects.set(key, { body: new Uint8Array(body), etag, lastModifiedMs: this.nowMs() });
    return { etag };
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    for (const key of keys) {
      const o = this.objects.get(key);
      if (o) yield { key, size: o.body.length, etag: o.etag, lastModifiedMs: o.lastModifiedMs };
    }
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
}
