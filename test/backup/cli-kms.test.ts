import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MemoryKeyManagement } from '../../lambdas/adapters/memory/memory-key-management';
import { cliEnvForFakeKms, type FakeKmsEndpoint, startFakeKms } from '../kms-http-fake';
import { runBulkhead } from '../run-bulkhead';
import { expectSameTree } from './helpers';

let work: string;
let src: string;
let endpoint: FakeKmsEndpoint;
const kms = new MemoryKeyManagement();
const arn = kms.createKey('alias/bulkhead-backup');

/** The real bin, with AWS pointed at the loopback KMS fake (no metadata service, no real AWS). */
function cli(env: Record<string, string>, ...args: string[]) {
  return runBulkhead({ ...cliEnvForFakeKms(endpoint), ...env }, ...args);
}

async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    out.push(path.relative(dir, path.join(e.parentPath, e.name)));
  }
  return out.sort();
}

beforeAll(async () => {
  endpoint = await startFakeKms(kms);
  work = await fs.mkdtemp(path.join(tmpdir(), 'bulkhead-cli-kms-'));
  src = path.join(work, 'src');
  await fs.mkdir(path.join(src, 'd'), { recursive: true });
  await fs.writeFile(path.join(src, 'd', 'one.txt'), 'one');
  await fs.writeFile(path.join(src, 'two.bin'), Buffer.alloc(50_000, 3));
});
afterAll(async () => {
  await endpoint.close();
  await fs.rm(work, { recursive: true, force: true });
});

describe('bulkhead backup commands with a KMS key (real bin, loopback KMS)', () => {
  test('GIVEN backup --kms-key <alias> THEN the repository is created with one GenerateDataKey; snapshots, restore and verify open it without the key', async () => {
    const repo = path.join(work, 'repo-1');
    const b = await cli({}, 'backup', src, '--repo', repo, '--kms-key', 'alias/bulkhead-backup', '--json');
    expect(b.code).toBe(0);
    const config = JSON.parse(await fs.readFile(path.join(repo, 'config'), 'utf8'));
    expect(config.encryption.kms.keyArn).toBe(arn);
    expect(endpoint.targets.filter((t) => t.endsWith('GenerateDataKey'))).toHaveLength(1);
    const s = await cli({}, 'snapshots', '--repo', repo, '--json');
    expect(s.code).toBe(0);
    const out = path.join(work, 'out-1');
    expect((await cli({}, 'restore', 'latest', '--repo', repo, '--target', out)).code).toBe(0);
    await expectSameTree(out, src);
    expect((await cli({}, 'verify', '--repo', repo, '--read-data', '100')).code).toBe(0);
  });

  test('GIVEN a KMS repository WHEN opened with BULKHEAD_PASSWORD set, or without kms:Decrypt THEN exit 5 with the reason, and a backup writes nothing', async () => {
    const repo = path.join(work, 'repo-2');
    expect((await cli({ BULKHEAD_KMS_KEY: arn }, 'backup', src, '--repo', repo)).code).toBe(0);
    const withPass = await cli({ BULKHEAD_PASSWORD: 'pw' }, 'snapshots', '--repo', repo);
    expect(withPass.code).toBe(5);
    expect(withPass.err).toContain(
      `the repository key is in KMS (key ${arn}), not a passphrase: unset BULKHEAD_PASSWORD`,
    );
    const before = await listTree(repo);
    kms.deny('Decrypt');
    try {
      const denied = await cli({}, 'backup', src, '--repo', repo);
      expect(denied.code).toBe(5);
      expect(denied.err).toContain(
        `KMS denied kms:Decrypt on key ${arn}: the caller needs kms:Decrypt on this key`,
      );
      expect(await listTree(repo)).toEqual(before);
      const snaps = await cli({}, 'snapshots', '--repo', repo);
      expect(snaps.code).toBe(5);
    } finally {
      kms.allow('Decrypt');
    }
    expect((await cli({}, 'snapshots', '--repo', repo)).code).toBe(0);
  });

  test.each([
    [['--kms-key', 'my-key'], {}, /--kms-key must be a KMS key ARN, key ID, alias name .* got "my-key"/],
    [
      ['--kms-key', 'alias/bulkhead-backup'],
      { BULKHEAD_PASSWORD: 'pw' },
      /--kms-key \(or BULKHEAD_KMS_KEY\) and BULKHEAD_PASSWORD both given/,
    ],
  ])(
    'GIVEN backup %j with env %j THEN exit 2 naming the problem, and no repository',
    async (args, env, message) => {
      const repo = path.join(work, 'repo-bad');
      const r = await cli(env, 'backup', src, '--repo', repo, ...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      await expect(fs.stat(path.join(repo, 'config'))).rejects.toThrow(/ENOENT/);
    },
  );

  test('GIVEN a repository made without KMS WHEN backup --kms-key THEN exit 5: the key applies only when creating', async () => {
    const repo = path.join(work, 'repo-plain');
    expect((await cli({}, 'backup', src, '--repo', repo)).code).toBe(0);
    const r = await cli({}, 'backup', src, '--repo', repo, '--kms-key', 'alias/bulkhead-backup');
    expect(r.code).toBe(5);
    expect(r.err).toMatch(/its key is absent \(not encrypted\), not KMS key alias\/bulkhead-backup/);
  });

  test('GIVEN backup --help THEN --kms-key, its env var and the permissions are explained', async () => {
    const r = await cli({}, 'backup', '--help');
    expect(r.out).toMatch(/--kms-key <arn\|alias>/);
    expect(r.out).toMatch(/BULKHEAD_KMS_KEY/);
    expect(r.out).toMatch(/kms:GenerateDataKey and\s+kms:Decrypt/);
  });
});

describe('bulkhead init', () => {
  test('GIVEN init --kms-key --json THEN an empty KMS repository; a second init fails with exit 1; backup then uses it without the key', async () => {
    const repo = path.join(work, 'repo-init');
    const first = await cli({}, 'init', '--repo', repo, '--kms-key', arn, '--json');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out)).toMatchObject({
      ok: true,
      repository: repo,
      key: { source: 'kms', keyArn: arn },
    });
    const again = await cli({}, 'init', '--repo', repo);
    expect(again.code).toBe(1);
    expect(again.err).toContain(`${repo}: a repository already exists here`);
    expect((await cli({}, 'backup', src, '--repo', repo)).code).toBe(0);
    const config = JSON.parse(await fs.readFile(path.join(repo, 'config'), 'utf8'));
    expect(config).toMatchObject({ version: 2, encryption: { kms: { keyArn: arn } } });
  });

  test('GIVEN init without a key THEN an unencrypted repository, said so', async () => {
    const r = await cli({}, 'init', '--repo', path.join(work, 'repo-init-plain'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^created repository [0-9a-f-]{36} at .*repo-init-plain, not encrypted client-side\n$/,
    );
  });

  test('GIVEN init or snapshots --help THEN the KMS key options and what opening needs are explained', async () => {
    const init = await cli({}, 'init', '--help');
    expect(init.out).toMatch(/--kms-key <arn\|alias>\s+when init creates the repository/);
    const snaps = await cli({}, 'snapshots', '--help');
    expect(snaps.out).toMatch(/needs kms:Decrypt on that key/);
    expect(snaps.out).toMatch(/Exit codes:/);
  });
});
