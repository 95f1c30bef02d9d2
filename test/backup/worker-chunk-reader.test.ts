import { promises as fs, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { NodeSourceTree } from '../../lambdas/adapters/local/node-file-tree';
import { WorkerChunkReader } from '../../lambdas/adapters/local/worker-chunk-reader';
import { runBackup } from '../../lambdas/core/snapshot/backup';
import {
  bufferChunks,
  type FileChunkReader,
  ReaderFailure,
  sourceChunkReader,
} from '../../lambdas/core/snapshot/file-chunks';
import { runVerify } from '../../lambdas/core/snapshot/verify';
import type { SourceStat } from '../../lambdas/ports/file-tree';
import { prng, randomBytes } from '../seeded-random';
import { expectLatestRestoresTo, SMALL, smallRepo } from './helpers';

// These tests start real worker threads: chunk-worker.cjs registers tsx in each worker, so the path
// under test is the CLI's, not a jest-transformed stand-in.
let work: string;
const readers: WorkerChunkReader[] = [];
const pool = (root: string, options: ConstructorParameters<typeof WorkerChunkReader>[1] = {}) => {
  const r = new WorkerChunkReader(root, options);
  readers.push(r);
  return r;
};
beforeAll(async () => {
  work = await fs.mkdtemp(path.join(tmpdir(), 'bulkhead-wcr-'));
});
afterAll(async () => {
  await Promise.all(readers.map((r) => r.close()));
  await fs.rm(work, { recursive: true, force: true });
});

async function collect(reader: FileChunkReader, rel: string, sizeHint: number) {
  const out: { id: string; hex: string }[] = [];
  for await (const c of reader.read(rel, sizeHint, SMALL.chunker)) {
    out.push({ id: c.id, hex: Buffer.from(c.data).toString('hex') });
  }
  return out;
}

describe('WorkerChunkReader', () => {
  test('GIVEN files of every size class WHEN read by the worker pool THEN its chunks (ids and bytes) equal the in-thread reader', async () => {
    const dir = path.join(work, 'sizes');
    await fs.mkdir(path.join(dir, 'sub'), { recursive: true });
    const rand = prng(3);
    const files: Record<string, Uint8Array> = {
      empty: new Uint8Array(0),
      tiny: Buffer.from('hi'),
      'sub/under-min': randomBytes(rand, 900),
      'sub/one-max': randomBytes(rand, SMALL.chunker.maxSize),
      // Many chunks, more than the window: exercises credits and buffer compaction.
      multi: randomBytes(rand, 300_000),
      text: Buffer.from('abc '.repeat(40_000)),
    };
    for (const [rel, data] of Object.entries(files)) await fs.writeFile(path.join(dir, rel), data);
    const workers = pool(dir, { workers: 2, window: 2 });
    const inThread = sourceChunkReader(new NodeSourceTree(dir));
    const got = await Promise.all(Object.entries(files).map(([rel, d]) => collect(workers, rel, d.length)));
    const want = await Promise.all(Object.entries(files).map(([rel, d]) => collect(inThread, rel, d.length)));
    expect(got).toEqual(want);
    expect(got[4].length).toBeGreaterThan(10);
    // A wrong size hint (the file changed since it was stat'ed) changes nothing either.
    expect(await collect(workers, 'multi', 10)).toEqual(want[4]);
  });

  test('GIVEN random contents WHEN read by a worker THEN the chunks equal bufferChunks of the same bytes (property)', async () => {
    const dir = path.join(work, 'prop');
    await fs.mkdir(dir, { recursive: true });
    const workers = pool(dir, { workers: 1, window: 1 });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 80_000 }), async (data) => {
        const rel = `f${n++}`;
        await fs.writeFile(path.join(dir, rel), data);
        const want = bufferChunks(data, SMALL.chunker).map((c) => ({
          id: c.id,
          hex: Buffer.from(c.data).toString('hex'),
        }));
        expect(await collect(workers, rel, data.length)).toEqual(want);
      }),
      { numRuns: 25 },
    );
  });

  test('GIVEN more large files than maxLargeFiles read at once WHEN all are read THEN at most that many are in flight, and all finish intact', async () => {
    const dir = path.join(work, 'large');
    await fs.mkdir(dir, { recursive: true });
    const rand = prng(17);
    const names = Array.from({ length: 7 }, (_, i) => `big${i}`);
    const sizes = names.map((_, i) => 40_000 + i * 5_000); // all over SMALL's 16 KiB max
    for (const [i, n] of names.entries()) await fs.writeFile(path.join(dir, n), randomBytes(rand, sizes[i]));
    const workers = pool(dir, { workers: 2, window: 1, maxLargeFiles: 3 });
    const inThread = sourceChunkReader(new NodeSourceTree(dir));
    const got = await Promise.all(names.map((n, i) => collect(workers, n, sizes[i])));
    const want = await Promise.all(names.map((n, i) => collect(inThread, n, sizes[i])));
    expect(got).toEqual(want);
    expect(workers.peakLargeFiles).toBe(3);
  });

  test('GIVEN a missing file WHEN read THEN a plain error (a skip), not a ReaderFailure, and the pool keeps working', async () => {
    const dir = path.join(work, 'missing');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'there'), 'x');
    const workers = pool(dir, { workers: 1 });
    const error = await collect(workers, 'gone', 10).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ReaderFailure);
    expect(String(error)).toMatch(/ENOENT/);
    expect(await collect(workers, 'there', 1)).toHaveLength(1);
  });

  test('GIVEN a reader that stops after one chunk of a large file WHEN it breaks THEN the worker is released and serves the next files', async () => {
    const dir = path.join(work, 'cancel');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'big'), randomBytes(prng(5), 2_000_000));
    await fs.writeFile(path.join(dir, 'small'), 'small');
    const workers = pool(dir, { workers: 1, window: 1 });
    for await (const _ of workers.read('big', 2_000_000, SMALL.chunker)) break;
    for await (const _ of workers.read('big', 2_000_000, SMALL.chunker)) break;
    expect(await collect(workers, 'small', 5)).toHaveLength(1);
  });

  test('GIVEN a fallback WHEN files are read before any worker has loaded THEN the fallback serves them, and the workers once loaded', async () => {
    const dir = path.join(work, 'fallback');
    await fs.mkdir(dir, { recursive: true });
    const data = randomBytes(prng(8), 50_000);
    await fs.writeFile(path.join(dir, 'f'), data);
    const inThread = sourceChunkReader(new NodeSourceTree(dir));
    let calls = 0;
    const fallback: FileChunkReader = {
      read: (rel, size, params) => {
        calls++;
        return inThread.read(rel, size, params);
      },
    };
    const workers = pool(dir, { workers: 1, fallback });
    const want = await collect(inThread, 'f', data.length);
    expect(await collect(workers, 'f', data.length)).toEqual(want);
    expect(calls).toBe(1); // a worker cannot have loaded yet: it says so in a message
    let viaWorker = false;
    for (let i = 0; i < 2000 && !viaWorker; i++) {
      const before = calls;
      expect(await collect(workers, 'f', data.length)).toEqual(want);
      viaWorker = calls === before;
      if (!viaWorker) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(viaWorker).toBe(true);
  });

  test('GIVEN a fallback that never leaves the turn (synchronous reads and compression) WHEN files are read back to back THEN the workers still take over once loaded', async () => {
    const dir = path.join(work, 'sync-fallback');
    await fs.mkdir(dir, { recursive: true });
    const data = randomBytes(prng(9), 20_000);
    await fs.writeFile(path.join(dir, 'f'), data);
    let calls = 0;
    const syncFallback: FileChunkReader = {
      async *read(rel, _size, params) {
        calls++;
        yield* bufferChunks(readFileSync(path.join(dir, rel)), params);
      },
    };
    const workers = pool(dir, { workers: 1, fallback: syncFallback });
    const want = await collect(sourceChunkReader(new NodeSourceTree(dir)), 'f', data.length);
    // No timer between reads: only the reader itself can let the worker's "loaded" message in.
    let viaWorker = false;
    for (let i = 0; i < 100_000 && !viaWorker; i++) {
      const before = calls;
      expect(await collect(workers, 'f', data.length)).toEqual(want);
      viaWorker = calls === before;
    }
    expect(viaWorker).toBe(true);
    expect(calls).toBeGreaterThan(0);
  });

  test('GIVEN a pool that never read WHEN closed THEN no worker was started', async () => {
    const workers = new WorkerChunkReader(work, { workers: 2 });
    expect((workers as unknown as { slots: unknown[] }).slots).toHaveLength(0);
    await workers.close();
  });

  test('GIVEN a worker that dies WHEN a backup reads through it THEN the backup fails with a ReaderFailure instead of skipping every file', async () => {
    const dir = path.join(work, 'dies');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'a'), 'a');
    const entry = path.join(work, 'exit-worker.cjs');
    await fs.writeFile(entry, 'process.exit(3);\n');
    const workers = pool(dir, { workers: 1, entry });
    const repo = await smallRepo();
    const run = runBackup(repo, new NodeSourceTree(dir), {
      hostname: 'h',
      path: dir,
      nowMs: Date.now,
      reader: workers,
    });
    await expect(run).rejects.toThrow(ReaderFailure);
    await expect(run).rejects.toThrow(/exited unexpectedly \(code 3\)/);
    expect(await repo.listSnapshots()).toEqual([]);
  });
});

describe('runBackup through worker threads', () => {
  test('GIVEN a tree WHEN backed up through the worker pool and in-thread THEN the snapshot trees are the same blobs, and it restores identically', async () => {
    const src = path.join(work, 'tree');
    const rand = prng(11);
    await fs.mkdir(path.join(src, 'a', 'b'), { recursive: true });
    await fs.writeFile(path.join(src, 'empty'), '');
    await fs.writeFile(path.join(src, 'a', 'big.bin'), randomBytes(rand, 400_000));
    await fs.writeFile(path.join(src, 'a', 'b', 'text.txt'), 'hello\n'.repeat(5000));
    for (let i = 0; i < 40; i++) await fs.writeFile(path.join(src, 'a', `f${i}`), randomBytes(rand, i * 97));
    await fs.writeFile(path.join(src, 'dup'), await fs.readFile(path.join(src, 'a', 'big.bin')));
    await fs.symlink('a/b/text.txt', path.join(src, 'link'));
    const source = new NodeSourceTree(src, { syncMetadata: true });
    const opts = { hostname: 'h', path: src, nowMs: Date.now };

    const plainRepo = await smallRepo();
    const plain = await runBackup(plainRepo, source, opts);
    const workerRepo = await smallRepo();
    const viaWorkers = await runBackup(workerRepo, source, { ...opts, reader: pool(src, { workers: 2 }) });

    expect(viaWorkers.status).toBe('complete');
    expect(plain.status).toBe('complete');
    const treeOf = async (repo: typeof plainRepo) => (await repo.findSnapshot('latest')).manifest.tree;
    expect(await treeOf(workerRepo)).toEqual(await treeOf(plainRepo));
    expect(viaWorkers.stats.bytesAdded).toBe(plain.stats.bytesAdded);
    expect(viaWorkers.stats.blobsAdded).toBe(plain.stats.blobsAdded);
    await expectLatestRestoresTo(workerRepo, path.join(work, 'tree-out'), src);
  });

  test('GIVEN workers that compress (the repository codec) WHEN a tree is backed up THEN the same tree, codecs recorded per blob, verify clean, identical restore', async () => {
    const src = path.join(work, 'compressing');
    const rand = prng(21);
    await fs.mkdir(src, { recursive: true });
    await fs.writeFile(path.join(src, 'text'), 'compressible line\n'.repeat(30_000));
    await fs.writeFile(path.join(src, 'random'), randomBytes(rand, 200_000));
    await fs.writeFile(path.join(src, 'tiny'), 'x');
    await fs.writeFile(path.join(src, 'empty'), '');
    const opts = { hostname: 'h', path: src, nowMs: Date.now };
    const plainRepo = await smallRepo();
    const plain = await runBackup(plainRepo, new NodeSourceTree(src), opts);
    const repo = await smallRepo();
    const codec = repo.codecs.write.name;
    const r = await runBackup(repo, new NodeSourceTree(src), {
      ...opts,
      reader: pool(src, { workers: 2, window: 2, codec }),
    });
    expect(r.status).toBe('complete');
    expect((await repo.findSnapshot('latest')).manifest.tree).toEqual(
      (await plainRepo.findSnapshot('latest')).manifest.tree,
    );
    // Compressible chunks carry the write codec, random ones and 'x' are stored raw, as in-thread.
    const codecs = (r: typeof repo) =>
      [...r.blobs.values()]
        .filter((b) => b.entry.type === 'data')
        .map((b) => `${b.entry.id}:${b.entry.codec}`);
    expect(codecs(repo).sort()).toEqual(codecs(plainRepo).sort());
    expect(new Set([...repo.blobs.values()].map((b) => b.entry.codec))).toEqual(new Set([codec, 'none']));
    expect(r.stats.bytesAdded).toBe(plain.stats.bytesAdded);
    expect((await runVerify(repo, { readDataPercent: 100 })).problems).toEqual([]);
    await expectLatestRestoresTo(repo, path.join(work, 'compressing-out'), src);
  });

  test('GIVEN a file that vanishes between the scan and its read WHEN backed up through workers THEN it is skipped and recorded, and the run completes', async () => {
    const src = path.join(work, 'vanish');
    await fs.mkdir(src, { recursive: true });
    await fs.writeFile(path.join(src, 'ok'), 'fine');
    const tree = new NodeSourceTree(src, { syncMetadata: true });
    const ghost: SourceStat = { kind: 'file', mode: 0o644, size: 10, mtimeNs: '1', inode: '1' };
    const source = Object.assign(Object.create(tree) as NodeSourceTree, {
      scan: async (rel: string) => [
        ...(await tree.scan!(rel)),
        ...(rel === '' ? [{ name: 'ghost', stat: ghost }] : []),
      ],
    });
    const repo = await smallRepo();
    const r = await runBackup(repo, source, {
      hostname: 'h',
      path: src,
      nowMs: Date.now,
      reader: pool(src, { workers: 1 }),
    });
    expect(r.status).toBe('complete');
    expect(r.skipped).toEqual([{ path: 'ghost', error: expect.stringMatching(/ENOENT/) }]);
    const snap = await repo.findSnapshot('latest');
    expect((await repo.readTree(snap.manifest.tree)).map((n) => n.path)).toEqual(['', 'ok']);
  });

  test('GIVEN a large file and shouldStop turning true WHEN backed up through workers THEN the run checkpoints and the resumed run completes the same tree', async () => {
    const src = path.join(work, 'stop');
    await fs.mkdir(src, { recursive: true });
    await fs.writeFile(path.join(src, 'big'), randomBytes(prng(9), 500_000));
    await fs.writeFile(path.join(src, 'small'), 'small');
    const repo = await smallRepo();
    let calls = 0;
    const opts = { hostname: 'h', path: src, nowMs: Date.now, reader: pool(src, { workers: 1, window: 1 }) };
    const first = await runBackup(repo, new NodeSourceTree(src), { ...opts, shouldStop: () => ++calls > 3 });
    expect(first.status).toBe('checkpointed');
    const second = await runBackup(repo, new NodeSourceTree(src), opts);
    expect(second.status).toBe('complete');
    expect(second.resumed).toBe(true);
    await expectLatestRestoresTo(repo, path.join(work, 'stop-out'), src);
  });
});
