import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { S3ObjectStore } from '../../lambdas/adapters/aws/s3-object-store';
import { DirObjectStore } from '../../lambdas/adapters/local/dir-object-store';
import { STATE_BUCKET_ENV } from '../../lambdas/config/failover';
import { PAUSE_KEY } from '../../lambdas/core/pause';
import { RecordingLog } from '../../lambdas/ports/log';
import { readPause } from '../../lambdas/shell/failover-io';
import { type S3rverHandle, startS3rver } from '../backup/s3rver-harness';

const BIN = path.join(__dirname, '..', '..', 'bin', 'bulkhead.cjs');

/**
 * Runs the real `bulkhead` bin in a child process (commander is ESM-only, so the CLI cannot be
 * loaded inside jest) and captures what it printed and its exit code.
 */
function cli(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, ...childEnv } },
      (error, out, err) => {
        if (error && typeof error.code !== 'number') return reject(error);
        resolve({ out, err, code: typeof error?.code === 'number' ? error.code : 0 });
      },
    );
  });
}

const childEnv: Record<string, string | undefined> = {};

// Each case starts the real bin (tsx) in a child process, a second or more on a busy machine.
jest.setTimeout(60_000);

describe('bulkhead pause / resume', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bulkhead-pause-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  test('GIVEN a directory WHEN paused with a reason THEN the switch is written and the functions read it as paused', async () => {
    const result = await cli('pause', '--dir', dir, '--reason', 'game day');
    expect(result).toMatchObject({ code: 0, out: expect.stringMatching(/^PAUSED by .* \(game day\)/) });
    const stored = JSON.parse(await readFile(path.join(dir, PAUSE_KEY), 'utf8'));
    expect(stored).toMatchObject({ paused: true, reason: 'game day' });
    expect(await readPause(new DirObjectStore(dir), new RecordingLog())).toMatchObject({
      paused: true,
      reason: 'game day',
    });
  });

  test('GIVEN a paused directory WHEN resumed THEN the functions read it as active, and --status --json shows it', async () => {
    await cli('pause', '--dir', dir);
    expect((await cli('resume', '--dir', dir)).out).toMatch(/^ACTIVE/);
    const status = await cli('pause', '--status', '--json', '--dir', dir);
    expect(JSON.parse(status.out)).toMatchObject({ paused: false, location: path.join(dir, PAUSE_KEY) });
    expect((await readPause(new DirObjectStore(dir), new RecordingLog())).paused).toBe(false);
  });

  test.each([
    [['pause'], /no state bucket: pass --bucket/],
    [['pause', '--bucket', 'b', '--dir', '/tmp/x'], /--bucket or --dir, not both/],
    [['resume', '--bucket', 'Not_A_Bucket'], /not an S3 bucket name: Not_A_Bucket/],
  ])('GIVEN %j WHEN run THEN exit 2 with a message naming the problem', async (args, message) => {
    childEnv[STATE_BUCKET_ENV] = '';
    try {
      const result = await cli(...args);
      expect(result.code).toBe(2);
      expect(result.err).toMatch(message);
    } finally {
      delete childEnv[STATE_BUCKET_ENV];
    }
  });

  describe('against S3 (s3rver on loopback)', () => {
    let s3: S3rverHandle;
    beforeAll(async () => {
      s3 = await startS3rver('bulkhead-state');
      childEnv.AWS_ACCESS_KEY_ID = 'S3RVER';
      childEnv.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    });
    afterAll(async () => {
      delete childEnv.AWS_ACCESS_KEY_ID;
      delete childEnv.AWS_SECRET_ACCESS_KEY;
      await s3.stop();
    });

    test('GIVEN the state bucket WHEN paused and resumed through the CLI THEN the S3 adapter the functions use sees each state', async () => {
      const store = new S3ObjectStore({ client: s3.client, bucket: s3.bucket });
      expect((await cli('pause', '--bucket', s3.bucket, '--endpoint', s3.endpoint, '-r', 'drill')).code).toBe(
        0,
      );
      expect(await readPause(store, new RecordingLog())).toMatchObject({ paused: true, reason: 'drill' });
      expect((await cli('resume', '--bucket', s3.bucket, '--endpoint', s3.endpoint)).code).toBe(0);
      expect((await readPause(store, new RecordingLog())).paused).toBe(false);
    });
  });
});
