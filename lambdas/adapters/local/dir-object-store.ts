import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  type ObjectInfo,
  ObjectNotFoundError,
  type ObjectStore,
  PreconditionFailedError,
  type PutOptions,
  type StoredObject,
} from '../../ports/object-store';

/** Objects up to this size get a content ETag (MD5, as S3); larger ones a stat-based one (see below). */
const CONTENT_ETAG_LIMIT = 1024 * 1024;
/** A lock file older than this was left by a killed writer and is broken. */
const STALE_LOCK_MS = 30_000;

function errCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function md5Etag(body: Uint8Array): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

/**
 * The {@link ObjectStore} port over a local directory: the CLI's default repository. A key maps to a
 * file path (`/` separates directories). Every write goes to a temp file first and is renamed (or
 * hard-linked, for If-None-Match) into place, so readers and a kill -9 never see a partial object.
 *
 * ETags: objects up to 1 MiB (leases, config, snapshots, indexes) carry the MD5 of their content like
 * S3, so If-Match is exact; larger objects (packs) carry `"i<inode>-<mtime ns>-<size>"` so listing a
 * repository does not read every pack. Packs are immutable and never written conditionally.
 */
export class DirObjectStore implements ObjectStore {
  constructor(readonly root: string) {}

  private file(key: string): string {
    const parts = key.split('/');
    if (key === '' || parts.some((p) => p === '' || p === '.' || p === '..' || p.startsWith('.'))) {
      throw new Error(`invalid object key for a directory store: ${JSON.stringify(key)}`);
    }
    return path.join(this.root, ...parts);
  }

  private async etagOf(file: string, size: number, ino: bigint, mtimeNs: bigint, body?: Uint8Array) {
    if (size > CONTENT_ETAG_LIMIT) return `"i${ino}-${mtimeNs}-${size}"`;
    return md5Etag(body ?? (await fs.readFile(file)));
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const file = this.file(key);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (error) {
      if (errCode(error) === 'ENOENT' || errCode(error) === 'ENOTDIR') return undefined;
      throw error;
    }
    try {
      const st = await handle.stat({ bigint: true });
      const body = new Uint8Array(await handle.readFile());
      return { body, etag: await this.etagOf(file, body.length, st.ino, st.mtimeNs, body) };
    } finally {
      await handle.close();
    }
  }

  async getRange(key: string, start: number, end: number): Promise<Uint8Array> {
    const file = this.file(key);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (error) {
      if (errCode(error) === 'ENOENT' || errCode(error) === 'ENOTDIR') throw new ObjectNotFoundError(key);
      throw error;
    }
    try {
      const length = Math.max(0, end - start);
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await handle.read(buf, got, length - got, start + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return new Uint8Array(buf.buffer, buf.byteOffset, got);
    } finally {
      await handle.close();
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const file = this.file(key);
    try {
      const st = await fs.stat(file, { bigint: true });
      if (!st.isFile()) return undefined;
      const size = Number(st.size);
      return {
        key,
        size,
        etag: await this.etagOf(file, size, st.ino, st.mtimeNs),
        lastModifiedMs: Number(st.mtimeMs),
      };
    } catch (error) {
      if (errCode(error) === 'ENOENT' || errCode(error) === 'ENOTDIR') return undefined;
      throw error;
    }
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<{ etag: string }> {
    const file = this.file(key);
    const dir = path.dirname(file);
    await fs.mkdir(dir, { recursive: true });
    const temp = path.join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
    await fs.writeFile(temp, body);
    try {
      if (options.ifNoneMatch === '*') {
        // link(2) fails with EEXIST atomically: two writers can never both create the key.
        try {
          await fs.link(temp, file);
        } catch (error) {
          if (errCode(error) === 'EEXIST') throw new PreconditionFailedError(key);
          throw error;
        }
      } else if (options.ifMatch !== undefined) {
        await this.withLock(file, async () => {
          const current = await this.head(key);
          if (current?.etag !== options.ifMatch) throw new PreconditionFailedError(key);
          await fs.rename(temp, file);
        });
      } else {
        await fs.rename(temp, file);
      }
    } finally {
      await fs.rm(temp, { force: true });
    }
    const st = await fs.stat(file, { bigint: true });
    return { etag: await this.etagOf(file, body.length, st.ino, st.mtimeNs, body) };
  }

  /** Serializes If-Match writers of one key with an O_EXCL lock file next to it. */
  private async withLock(file: string, fn: () => Promise<void>): Promise<void> {
    const lock = path.join(path.dirname(file), `.lock-${path.basename(file)}`);
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await fs.open(lock, 'wx');
        await handle.close();
        break;
      } catch (error) {
        if (errCode(error) !== 'EEXIST') throw error;
        const st = await fs.stat(lock).catch(() => undefined);
        if (st && Date.now() - st.mtimeMs > STALE_LOCK_MS) await fs.rm(lock, { force: true });
        else await new Promise((r) => setTimeout(r, Math.min(50, 2 + attempt)));
      }
    }
    try {
      await fn();
    } finally {
      await fs.rm(lock, { force: true });
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const keys: string[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (errCode(error) === 'ENOENT' || errCode(error) === 'ENOTDIR') return;
        throw error;
      }
      for (const e of entries) {
        if (e.name.startsWith('.')) continue; // temp and lock files
        const key = rel === '' ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) {
          // Only descend where keys under this directory can match the prefix.
          if (prefix.startsWith(`${key}/`) || `${key}/`.startsWith(prefix))
            await walk(path.join(dir, e.name), key);
        } else if (e.isFile() && key.startsWith(prefix)) {
          keys.push(key);
        }
      }
    };
    await walk(this.root, '');
    keys.sort();
    for (const key of keys) {
      const info = await this.head(key);
      if (info) yield info;
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.file(key), { force: true });
  }
}
