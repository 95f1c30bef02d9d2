/**
 * Backup throughput and repository size, side by side with restic (Debian's 0.14) in one run.
 *
 *   npx tsx bench/backup.ts [--scale 1] [--rounds 3] [--datasets mixed,node_modules] [--keep]
 *
 * Datasets: a generated mixed tree (~1 GiB at --scale 1: 20,000 small files of text, JSON and random
 * bytes, plus 8 large files, half compressible, half random; generated from a seeded PRNG) and a
 * copy of this project's node_modules. For each dataset and tool, in the same order: first backup,
 * unchanged re-backup, re-backup after changing 1% of the files, full restore. Both tools run as
 * child processes (start-up included) against a local repository; bytes added and repository size
 * are measured on disk (du), the same way for both. restic always encrypts (AES-256 + Poly1305, key
 * from RESTIC_PASSWORD) and compresses with zstd (repository v2, compression "auto"); Bulkhead here
 * compresses with zstd level 3 and does not encrypt (the S3 bucket's SSE-KMS does).
 * The first backup and the full restore, the lines the machine's noise moves most (2 shared cores,
 * with neighbours), run `--rounds` times, the tools alternating which goes first; the table shows the
 * median and the range. Each first-backup round starts from an empty repository. The other lines
 * run once, on the repository of the last first-backup round.
 * Working files live under bench/.work/backup (gitignored; ~20 GB at --scale 1 with 3 rounds) and are
 * removed at the end, not between measurements (see benchDataset).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { prng, randomBytes } from '../test/seeded-random';

const ROOT = path.join(__dirname, '..');
const WORK = path.join(ROOT, 'bench', '.work', 'backup');
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const SCALE = Number(arg('--scale') ?? '1');
const KEEP = process.argv.includes('--keep');
const ROUNDS = Number(arg('--rounds') ?? '3');
/** In the order given: a dataset measured after another one runs with that one's gigabytes in the page cache. */
const DATASETS = [...new Set((arg('--datasets') ?? 'mixed,node_modules').split(','))];
for (const d of DATASETS) {
  if (d !== 'mixed' && d !== 'node_modules')
    throw new Error(`--datasets takes mixed and/or node_modules, comma-separated; got ${JSON.stringify(d)}`);
}
if (!Number.isInteger(ROUNDS) || ROUNDS < 1)
  throw new Error(`--rounds must be a positive integer, got ${arg('--rounds')}`);
const RESTIC = '/usr/bin/restic';
const ENV = {
  ...process.env,
  RESTIC_PASSWORD: 'bench-only',
  RESTIC_CACHE_DIR: path.join(WORK, 'restic-cache'),
};

const WORDS =
  'the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her she there would their we him been has when who will more no if out so said what up its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three'.split(
    ' ',
  );

function text(rand: () => number, n: number): Buffer {
  const parts: string[] = [];
  let len = 0;
  while (len < n) {
    const w = WORDS[(rand() * WORDS.length) | 0];
    const s = rand() < 0.08 ? `${w}.\n` : `${w} `;
    parts.push(s);
    len += s.length;
  }
  return Buffer.from(parts.join('')).subarray(0, n);
}

function json(rand: () => number, n: number): Buffer {
  const rows: string[] = [];
  let len = 0;
  for (let id = 0; len < n; id++) {
    const row = JSON.stringify({
      id,
      name: WORDS[(rand() * WORDS.length) | 0],
      score: Math.round(rand() * 1e6) / 100,
      ok: rand() < 0.5,
    });
    rows.push(row);
    len += row.length + 2;
  }
  return Buffer.from(`[${rows.join(',\n')}]`).subarray(0, n);
}

/** The mixed tree: many small files (text, JSON, random) in nested dirs, and a few large files. */
async function generateMixed(dir: string): Promise<void> {
  const rand = prng(20261127);
  const small = Math.round(20_000 * SCALE);
  const made = new Set<string>();
  for (let i = 0; i < small; i++) {
    const sub = path.join(dir, `d${i % 40}`, `e${(i >> 6) % 25}`);
    if (!made.has(sub)) {
      await fs.mkdir(sub, { recursive: true });
      made.add(sub);
    }
    const size = 512 + Math.floor(rand() ** 2 * 64 * 1024);
    const kind = rand();
    const body = kind < 0.5 ? text(rand, size) : kind < 0.75 ? json(rand, size) : randomBytes(rand, size);
    await fs.writeFile(path.join(sub, `f${i}.${kind < 0.5 ? 'txt' : kind < 0.75 ? 'json' : 'bin'}`), body);
  }
  await fs.mkdir(path.join(dir, 'large'), { recursive: true });
  const large = Math.max(2, Math.round(8 * SCALE));
  for (let i = 0; i < large; i++) {
    const size = Math.round((64 + rand() * 64) * 1024 * 1024 * Math.min(1, SCALE * 4));
    const chunks: Uint8Array[] = [];
    for (let got = 0; got < size; got += 4 * 1024 * 1024) {
      const n = Math.min(4 * 1024 * 1024, size - got);
      chunks.push(i % 2 === 0 ? text(rand, n) : randomBytes(rand, n));
    }
    await fs.writeFile(
      path.join(dir, 'large', `big-${i}.${i % 2 === 0 ? 'log' : 'bin'}`),
      Buffer.concat(chunks),
    );
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  await walk(dir);
  return out.sort();
}

/** Changes 1% of the files, deterministically: every 100th gets 4 KiB overwritten in the middle and a line appended. */
async function mutateOnePercent(dir: string): Promise<number> {
  const rand = prng(7);
  const files = (await listFiles(dir)).filter((_, i) => i % 100 === 50);
  for (const f of files) {
    const h = await fs.open(f, 'r+');
    const { size } = await h.stat();
    await h.write(randomBytes(rand, Math.min(4096, size)), 0, Math.min(4096, size), Math.floor(size / 2));
    await h.close();
    await fs.appendFile(f, `changed ${rand()}\n`);
  }
  return files.length;
}

function du(dir: string): number {
  return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
}

function run(cmd: string, args: string[]): number {
  // Every run starts with nothing left to write back: the previous run's gigabytes of repository
  // and restored files would otherwise be flushed during this one, at its expense.
  execFileSync('sync');
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { env: ENV, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return seconds;
}

interface Tool {
  readonly name: string;
  init(repo: string): void;
  backup(repo: string, dir: string): number;
  restore(repo: string, target: string): number;
}

const bulkhead: Tool = {
  name: 'bulkhead',
  init: () => undefined, // the first backup creates the repository
  backup: (repo, dir) =>
    run(process.execPath, [path.join(ROOT, 'bin', 'bulkhead.cjs'), 'backup', dir, '--repo', repo, '--json']),
  restore: (repo, target) =>
    run(process.execPath, [
      path.join(ROOT, 'bin', 'bulkhead.cjs'),
      'restore',
      'latest',
      '--repo',
      repo,
      '--target',
      target,
      '--json',
    ]),
};

const restic: Tool = {
  name: 'restic',
  init: (repo) => {
    run(RESTIC, ['-r', repo, 'init', '--quiet']);
  },
  backup: (repo, dir) => run(RESTIC, ['-r', repo, 'backup', dir, '--quiet', '--json']),
  restore: (repo, target) => run(RESTIC, ['-r', repo, 'restore', 'latest', '--target', target, '--quiet']),
};

interface Row {
  readonly dataset: string;
  readonly metric: string;
  readonly unit: 's' | 'MiB';
  readonly values: Record<string, number>;
  /** For repeated time rows: each tool's fastest and slowest round. */
  readonly ranges?: Record<string, readonly [number, number]>;
  /** For time rows: the bytes processed, to print throughput. */
  readonly bytes?: number;
}

async function benchDataset(name: string, dir: string, rows: Row[]): Promise<void> {
  const size = du(dir);
  const paths = await listFiles(dir);
  const files = paths.length;
  // Both tools read from the page cache: the dataset is read once before the first round (the first
  // tool of round 1 would otherwise read it from disk, evicted by the previous dataset's writes).
  for (const f of paths) await fs.readFile(f);
  process.stderr.write(`\n== ${name}: ${files} files, ${(size / 2 ** 20).toFixed(0)} MiB ==\n`);
  const tools = [bulkhead, restic];
  // Each round writes to its own repository and restore directory, all removed only at the end: on
  // ext4, creating files within a minute or so of deleting many costs a scan past every recently
  // deleted inode (recently_deleted() in the kernel's inode allocator). Restoring into a directory
  // just removed measured 13-19 s of mostly system time against 3.5-4 s otherwise, for either tool.
  const repos: Record<string, string> = {};
  const repo = (t: Tool) => repos[t.name];
  const result: Record<string, Record<string, number>> = {};
  const ranges: Record<string, Record<string, readonly [number, number]>> = {};
  const add = (metric: string, tool: string, v: number) => {
    result[metric] ??= {};
    result[metric][tool] = v;
  };
  /** Runs `measure` ROUNDS times per tool, alternating which tool goes first; records the medians. */
  const repeated = async (metric: string, measure: (t: Tool) => Promise<number>) => {
    const seen: Record<string, number[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of round % 2 === 0 ? tools : [...tools].reverse()) {
        const v = await measure(t);
        seen[t.name] = [...(seen[t.name] ?? []), v];
        process.stderr.write(`${t.name} ${metric} round ${round + 1}: ${v.toFixed(2)} s\n`);
      }
    }
    for (const [tool, values] of Object.entries(seen)) {
      const sorted = [...values].sort((a, b) => a - b);
      add(metric, tool, sorted[Math.floor((sorted.length - 1) / 2)]);
      ranges[metric] ??= {};
      ranges[metric][tool] = [sorted[0], sorted[sorted.length - 1]];
    }
  };
  let backups = 0;
  await repeated('first backup', async (t) => {
    repos[t.name] = path.join(WORK, `${name}-${t.name}-repo-${++backups}`);
    t.init(repo(t));
    return t.backup(repo(t), dir);
  });
  for (const t of tools) add('repo after first', t.name, du(repo(t)) / 2 ** 20);
  for (const t of tools) add('unchanged re-backup', t.name, t.backup(repo(t), dir));
  const changed = await mutateOnePercent(dir);
  for (const t of tools) {
    const before = du(repo(t));
    add(`re-backup, ${changed} files (1%) changed`, t.name, t.backup(repo(t), dir));
    add('bytes added by the 1% change', t.name, (du(repo(t)) - before) / 2 ** 20);
  }
  let restores = 0;
  await repeated('full restore', async (t) =>
    t.restore(repo(t), path.join(WORK, `${name}-${t.name}-restore-${++restores}`)),
  );
  for (const t of tools) add('repository size (3 snapshots)', t.name, du(repo(t)) / 2 ** 20);
  for (const [metric, values] of Object.entries(result)) {
    const unit = metric.startsWith('repo') || metric.startsWith('bytes') ? 'MiB' : 's';
    rows.push({
      dataset: `${name} (${files} files, ${(size / 2 ** 20).toFixed(0)} MiB)`,
      metric,
      unit,
      values,
      ranges: ranges[metric],
      bytes: unit === 's' && !metric.startsWith('unchanged') ? size : undefined,
    });
  }
}

function table(rows: Row[]): string {
  const head = ['dataset', 'measurement', 'bulkhead', 'restic', 'ratio', 'goal'];
  const body = rows.map((r) => {
    const b = r.values.bulkhead;
    const s = r.values.restic;
    const fmt = (v: number, tool: string) => {
      if (r.unit === 'MiB') return `${v.toFixed(1)} MiB`;
      const range = r.ranges?.[tool];
      return (
        `${v.toFixed(2)} s${r.bytes ? ` (${(r.bytes / 2 ** 20 / v).toFixed(0)} MiB/s)` : ''}` +
        (range ? ` [${range[0].toFixed(2)}-${range[1].toFixed(2)}]` : '')
      );
    };
    // Times: restic/bulkhead (>1 = Bulkhead faster). Sizes: bulkhead/restic (<1 = Bulkhead smaller).
    const ratio = r.unit === 's' ? s / b : b / s;
    const met = r.unit === 's' ? ratio >= 1 : ratio <= 1;
    return [
      r.dataset,
      r.metric,
      fmt(b, 'bulkhead'),
      fmt(s, 'restic'),
      `${ratio.toFixed(2)}${r.unit === 's' ? 'x faster' : 'x size'}`,
      met ? 'met' : 'MISSED',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const version = execFileSync(RESTIC, ['version'], { encoding: 'utf8' }).trim();
  await fs.rm(WORK, { recursive: true, force: true }); // a run cut short leaves its files
  // Written back, freed inodes stop counting as recently deleted after a minute, not six (see benchDataset).
  execFileSync('sync');
  await fs.mkdir(WORK, { recursive: true });
  const rows: Row[] = [];
  try {
    // Both datasets exist before the first measurement: nothing is created in bulk between rounds.
    const dirs: [string, string][] = [];
    for (const name of DATASETS) {
      const dir = path.join(WORK, name);
      if (name === 'mixed') {
        const t0 = performance.now();
        await generateMixed(dir);
        process.stderr.write(
          `generated the mixed tree in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
        );
      } else execFileSync('cp', ['-a', path.join(ROOT, 'node_modules'), dir]);
      dirs.push([name, dir]);
    }
    for (const [name, dir] of dirs) await benchDataset(name, dir, rows);
  } finally {
    if (!KEEP) await fs.rm(WORK, { recursive: true, force: true });
  }
  process.stdout.write(
    `\nBackup benchmark (${new Date().toISOString()}, ${process.version}, ${version}, scale ${SCALE}, 2 shared cores)\n` +
      'restic encrypts (AES-256/Poly1305) and compresses (zstd, auto); Bulkhead compresses (zstd 3), no client-side encryption.\n' +
      'ratio: times restic/bulkhead (>1 = Bulkhead faster), sizes bulkhead/restic (<1 = Bulkhead smaller); sizes measured with du.\n' +
      `first backup and full restore: median of ${ROUNDS} round(s), the tools alternating which goes first, [fastest-slowest]; other lines: one run.\n\n` +
      `${table(rows)}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
