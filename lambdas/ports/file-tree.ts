/**
 * The file tree a backup reads (the EFS mount on Lambda, a local directory in the CLI) and the one a
 * restore writes. Paths are relative to the tree's root, `/`-separated; `` is the root itself.
 */
export interface SourceTree {
  /** Names in a directory, in any order. */
  readdir(path: string): Promise<string[]>;
  /** lstat: symlinks are not followed. */
  lstat(path: string): Promise<SourceStat>;
  readlink(path: string): Promise<string>;
  open(path: string): Promise<SourceFile>;
  /**
   * Optional: reads a whole (small) file in one call. Saves the open/read/close round trips that
   * dominate backing up many small files.
   */
  readWhole?(path: string): Promise<Uint8Array>;
  /**
   * Optional: a directory's entries with their lstat in one call. Backends where per-call overhead
   * dominates (a local disk) implement it; the walk falls back to readdir + lstat per entry. A failed
   * lstat of one entry is returned as its `error`.
   */
  scan?(
    path: string,
  ): Promise<{ readonly name: string; readonly stat?: SourceStat; readonly error?: Error }[]>;
}

/** What a backup records about an entry. */
export interface SourceStat {
  readonly kind: 'file' | 'dir' | 'symlink' | 'other';
  /** Permission bits incl. setuid/setgid/sticky. */
  readonly mode: number;
  readonly size: number;
  /** Nanoseconds since the epoch, decimal. */
  readonly mtimeNs: string;
  readonly inode: string;
}

/** An open file being read front to back. */
export interface SourceFile {
  /** Reads up to `length` bytes into `buf` at `offset`; 0 means end of file. */
  read(buf: Uint8Array, offset: number, length: number): Promise<number>;
  close(): Promise<void>;
}

/** Where a restore writes. */
export interface RestoreTarget {
  mkdir(path: string): Promise<void>;
  /** Creates or replaces a file with these bytes. */
  writeFile(path: string, data: Uint8Array): Promise<void>;
  /** Creates or truncates a file to `size` bytes, to be filled by {@link writeAt}. */
  createFile(path: string, size: number): Promise<void>;
  writeAt(path: string, data: Uint8Array, position: number): Promise<void>;
  symlink(path: string, target: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  /** Sets mtime (and atime) without following symlinks. */
  setMtime(path: string, mtimeNs: string): Promise<void>;
  /**
   * Optional: {@link writeFile}, then {@link chmod} and {@link setMtime}, in one call. The restore
   * uses it for files of one blob or none.
   */
  writeWholeFile?(path: string, data: Uint8Array, mode: number, mtimeNs: string): Promise<void>;
}
