import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MemoryKeyManagement } from '../../lambdas/adapters/memory/memory-key-management';
import { cliEnvForFakeKms, type FakeKmsEndpoint, startFakeKms } from '../kms-http-fake';
import { runBulkhead } from '../run-bulkhead';

// The drill and `invoke volume-backup` run the backup Lambda's handler, which opens unencrypted and
// KMS-keyed repositories (it has KMS, never a passphrase): an --repo of either kind must work, and a
// passphrase repository must be refused with that reason, before anything is written.

let work: string;
let endpoint: FakeKmsEndpoint;
const kms = new MemoryKeyManagement();
kms.createKey('alias/bulkhead-backup');

function cli(env: Record<string, string>, ...args: string[]) {
  return runBulkhead({ ...cliEnvForFakeKms(endpoint), ...env }, ...args);
}

const invoke = (repo: string, env: Record<string, string> = {}) =>
  cli(
    env,
    'invoke',
    'volume-backup',
    '--event',
    'cli/drill/events/schedule.json',
    '--scenario',
    'data-loss',
    '--at',
    '300',
    '--repo',
    repo,
    '--json',
  );

beforeAll(async () => {
  endpoint = await startFakeKms(kms);
  work = await fs.mkdtemp(path.join(tmpdir(), 'bulkhead-keys-test-'));
});
afterAll(async () => {
  await endpoint.close();
  await fs.rm(work, { recursive: true, force: true });
});

describe('invoke volume-backup into an encrypted --repo', () => {
  test('GIVEN a repository made with --kms-key WHEN invoked THEN the handler opens it through KMS and adds a snapshot', async () => {
    const repo = path.join(work, 'kms-repo');
    expect((await cli({}, 'init', '--repo', repo, '--kms-key', 'alias/bulkhead-backup')).code).toBe(0);
    const run = await invoke(repo);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out).decision.kind).toBe('complete');
    const listed = await cli({}, 'snapshots', '--repo', repo, '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.out)).toHaveLength(1);
  });

  test('GIVEN a repository made with a passphrase WHEN invoked THEN refused with the reason, and nothing written', async () => {
    const repo = path.join(work, 'passphrase-repo');
    expect(
      (await cli({ BULKHEAD_PASSWORD: 'correct horse' }, 'init', '--repo', repo, '--encrypt')).code,
    ).toBe(0);
    const before = (await fs.readdir(repo, { recursive: true })).sort();
    const run = await invoke(repo, { BULKHEAD_PASSWORD: 'correct horse' });
    expect(run.code).not.toBe(0);
    expect(run.err).toMatch(/encrypted with a passphrase: the drill runs the backup Lambda's handler/);
    expect((await fs.readdir(repo, { recursive: true })).sort()).toEqual(before);
  });
});
