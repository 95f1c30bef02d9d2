/**
 * A flat key/value object store with S3's semantics: the backup repository, audit records,
 * incident log, leases and the pause switch all live behind this one port.
 */
export interface ObjectStore {
  /** Reads a whole object, or `undefined` when the key does not exist. */
  get(key: string): Promise<StoredObject | undefined>;
  /** Reads bytes [start, end) of an object; throws {@link ObjectNotFoundError} when absent. */
  getRange(key: string, start: number, end: number): Promise<Uint8Array>;
  /** Reads an object's metadata, or `undefined` when the key does not exist. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /**
   * Writes an object. With `ifNoneMatch: '*'` the write fails unless the key is absent; with
   * `ifMatch` it fails unless the current ETag matches. Both fail with {@link PreconditionFailedError}.
   * The store is done with `body` once the promise settles, and keeps no reference to it: the
   * caller may then reuse the buffer (the backup's pack writer does).
   */
  put(key: string, body: Uint8Array, options?: PutOptions): Promise<{ etag: string }>;
  /** Lists every key under a prefix, in lexicographic order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Deletes an object; deleting a missing key is not an error (as on S3). */
  delete(key: string): Promise<void>;
}

/** An object's bytes and version tag. */
export interface StoredObject {
  readonly body: Uint8Array;
  readonly etag: string;
}

/** What a listing or HEAD returns about one object. */
export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly lastModifiedMs: number;
}

/** Conditional-write and content options for {@link ObjectStore.put}. */
export interface PutOptions {
  readonly ifNoneMatch?: '*';
  readonly ifMatch?: string;
  readonly contentType?: string;
}

/** A conditional write lost: the key exists (If-None-Match) or changed (If-Match). */
export class PreconditionFailedError extends Error {
  constructor(readonly key: string) {
    super(`precondition failed for object ${key}: it was created or changed by another writer`);
    this.name = 'PreconditionFailedError';
  }
}

/** A read of a key that does not exist. */
export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`object not found: ${key}`);
    this.name = 'ObjectNotFoundError';
  }
}
