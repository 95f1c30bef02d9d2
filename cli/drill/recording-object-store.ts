import type { ObjectInfo, ObjectStore, PutOptions, StoredObject } from '../../lambdas/ports/object-store';

/** One write a function made to an object store, as `bulkhead invoke` prints it. */
export interface StoreAction {
  readonly api: 'PutObject' | 'DeleteObject';
  readonly target: string;
  readonly params: { readonly bytes?: number; readonly ifNoneMatch?: '*'; readonly ifMatch?: string };
  /** `ok`, or the error's name (a lost conditional write is `PreconditionFailedError`). */
  readonly result: string;
}

/**
 * Passes every call through to `inner` and records the writes (puts and deletes, in order, with
 * their outcome): for a function whose actions are what it writes, such as the backup function's
 * packs, index, snapshot and lease.
 */
export class RecordingObjectStore implements ObjectStore {
  /** The writes so far. */
  readonly actions: StoreAction[] = [];

  constructor(private readonly inner: ObjectStore) {}

  get(key: string): Promise<StoredObject | undefined> {
    return this.inner.get(key);
  }

  getRange(key: string, start: number, end: number): Promise<Uint8Array> {
    return this.inner.getRange(key, start, end);
  }

  head(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.head(key);
  }

  list(prefix: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix);
  }

  async put(key: string, body: Uint8Array, options?: PutOptions): Promise<{ etag: string }> {
    const params = {
      bytes: body.byteLength,
      ...(options?.ifNoneMatch ? { ifNoneMatch: options.ifNoneMatch } : {}),
      ...(options?.ifMatch ? { ifMatch: options.ifMatch } : {}),
    };
    return this.record('PutObject', key, params, () => this.inner.put(key, body, options));
  }

  delete(key: string): Promise<void> {
    return this.record('DeleteObject', key, {}, () => this.inner.delete(key));
  }

  private async record<T>(
    api: StoreAction['api'],
    target: string,
    params: StoreAction['params'],
    call: () => Promise<T>,
  ): Promise<T> {
    try {
      const out = await call();
      this.actions.push({ api, target, params, result: 'ok' });
      return out;
    } catch (error) {
      this.actions.push({ api, target, params, result: error instanceof Error ? error.name : 'failed' });
      throw error;
    }
  }
}
