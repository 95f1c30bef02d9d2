import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DirObjectStore } from '../../lambdas/adapters/local/dir-object-store';
import { acquireLease } from '../../lambdas/core/lease';
import { KEYS } from '../../lambdas/core/snapshot/format';
import { runBulkhead } from '../run-bulkhead';

/** Runs the real `bulkhead` bin with no repository or passphrase from the caller's environment. */
function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return cliWith({}, ...args);
}

/** {@link cli} with extra environment variables. */
function cliWith(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  return runBulkhead({ BULKHEAD_REPO: '', BULKHEAD_PASSWORD: '', ...env }, ...args);
}

let work: string;
let repo: string;
let src: string;
beforeAll(async () => {
  work = await fs.mkdtemp(path.join(tmpdir(), 'bulkhead-cli-'));
  repo = path.join(work, 'repo');
  src = path.join(work, 'src');
  await fs.mkdir(path.join(src, 'a'), { recursive: true });
  await fs.writeFile(path.join(src, 'a', 'one.txt'), 'one');
  await fs.writeFile(path.join(src, 'two.bin'), Buffer.alloc(100_000, 7));
});
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe('bulkhead backup commands', () => {
  test('GIVEN a directory WHEN backup, snapshots, restore --include, verify THEN each succeeds with JSON output', async () => {
    const b = await cli('backup', src, '--repo', repo, '--json');
    expect(b.code).toBe(0);
    const snap = JSON.parse(b.out) as { snapshot: string; stats: { files: number } };
    expect(snap.stats.files).toBe(2);
    const list = await cli('snapshots', '--repo', repo, '--json');
    expect(JSON.parse(list.out).map((s: { id: string }) => s.id)).toEqual([snap.snapshot]);
    const target = path.join(work, 'out');
    const r = await cli(
      'restore',
      snap.snapshot.slice(0, 8),
      '--repo',
      repo,
      '--target',
      target,
      '--include',
      'a/one.txt',
    );
    expect(r.code).toBe(0);
    expect(await fs.readFile(path.join(target, 'a', 'one.txt'), 'utf8')).toBe('one');
    await expect(fs.access(path.join(target, 'two.bin'))).rejects.toThrow();
    const v = await cli('verify', '--repo', repo, '--read-data', '100');
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/no errors: 1 snapshots/);
  });

  test('GIVEN --read-threads 0 (main thread) and the default (worker threads) WHEN backing up the same tree THEN both store the same data', async () => {
    const stats = async (dir: string, ...extra: string[]) => {
      const r = await cli('backup', src, '--repo', path.join(work, dir), '--json', ...extra);
      expect(r.code).toBe(0);
      const { durationMs: _, ...rest } = (JSON.parse(r.out) as { stats: Record<string, number> }).stats;
      return rest;
    };
    const inThread = await stats('repo-threads-0', '--read-threads', '0');
    expect(await stats('repo-threads-default')).toEqual(inThread);
    expect(inThread.bytesRead).toBe(100_003);
  });

  test.each([
    [['verify', '--read-data', '150'], 2, /--read-data must be a number between 0 and 100, got "150"/],
    [['restore', 'nope', '--target', '/tmp/x'], 2, /no snapshot matches "nope"/],
    [['forget'], 2, /at least one --keep/],
    [['backup', '/x', '--repo', 'ftp://host/x'], 2, /unsupported repository URL "ftp:\/\/host\/x"/],
    [['backup', '/x', '--read-threads', '1.5'], 2, /--read-threads must be .* got "1.5"/],
  ])('GIVEN bad input %j THEN exit %i with the bad value named', async (args, code, message) => {
    const r = await cli(...args, ...(args.includes('--repo') ? [] : ['--repo', repo]));
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
  });

  test('GIVEN no repository WHEN snapshots THEN exit 5', async () => {
    const r = await cli('snapshots', '--repo', path.join(work, 'absent'));
    expect(r.code).toBe(5);
    expect(r.err).toMatch(/no repository here/);
  });

  test('GIVEN the lease held by a live holder WHEN backup THEN exit 4 naming the holder', async () => {
    await acquireLease(new DirObjectStore(repo), KEYS.lock, 'lambda:req-1', 60_000, Date.now());
    const r = await cli('backup', src, '--repo', repo);
    expect(r.code).toBe(4);
    expect(r.err).toMatch(/locked by lambda:req-1 until/);
    await fs.rm(path.join(repo, 'locks'), { recursive: true });
  });

  test('GIVEN its only pack deleted WHEN verify THEN exit 1, naming the pack and the snapshot whose tree it held', async () => {
    const store = new DirObjectStore(repo);
    for await (const o of store.list(KEYS.dataPrefix)) await store.delete(o.key);
    const r = await cli('verify', '--repo', repo);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/error: pack \w+ missing; affects 1 snapshot\(s\), files: \w{12}:\(tree\)/);
    expect(r.out).toMatch(/error: snapshot \w{12}: tree unreadable: object not found: data\//);
  });

  test('GIVEN --encrypt WHEN used without, then with BULKHEAD_PASSWORD THEN exit 2, then an encrypted repository only the passphrase opens', async () => {
    const encRepo = path.join(work, 'enc-repo');
    const noPass = await cli('backup', src, '--repo', encRepo, '--encrypt');
    expect(noPass.code).toBe(2);
    expect(noPass.err).toMatch(/--encrypt needs the passphrase in BULKHEAD_PASSWORD/);
    const ok = await cliWith({ BULKHEAD_PASSWORD: 'pw' }, 'backup', src, '--repo', encRepo, '--encrypt');
    expect(ok.code).toBe(0);
    const locked = await cli('snapshots', '--repo', encRepo);
    expect(locked.code).toBe(5);
    expect(locked.err).toMatch(/encrypted: give its passphrase \(BULKHEAD_PASSWORD\)/);
    const wrong = await cliWith({ BULKHEAD_PASSWORD: 'nope' }, 'verify', '--repo', encRepo);
    expect(wrong.err).toMatch(/wrong passphrase/);
    const v = await cliWith({ BULKHEAD_PASSWORD: 'pw' }, 'verify', '--repo', encRepo, '--read-data', '100');
    expect(v.code).toBe(0);
  });

  test('GIVEN backup --help THEN the options and exit codes are documented', async () => {
    const r = await cli('backup', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--repo <url>/);
    expect(r.out).toMatch(/Exit codes:[\s\S]*4 {2}repository locked/);
  });
});
