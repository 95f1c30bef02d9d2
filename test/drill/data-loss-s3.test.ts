import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { DrillReport } from '../../cli/drill/report';
import { loadScenario } from '../../cli/drill/scenario';
import { runSuite } from '../../cli/drill/suite';
import { KEYS } from '../../lambdas/core/snapshot/format';
import { runBulkhead } from '../run-bulkhead';
import { S3RVER_ENV, useS3rver } from './s3rver-env';

const s3 = useS3rver('drill-repo');
let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'bulkhead-drill-s3-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Every key in the s3rver bucket under `prefix/`. */
async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3().client.send(
      new ListObjectsV2Command({ Bucket: s3().bucket, Prefix: `${prefix}/`, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

/** Runs the data-loss drill in-process with its repository on the s3rver under `prefix`. */
async function dataLossOnS3(prefix: string, seed: number, outDir: string) {
  const { report } = await runSuite({
    scenarios: [loadScenario('data-loss')],
    seed,
    outDir,
    html: false,
    repo: `s3://${s3().bucket}/${prefix}`,
    endpoint: s3().endpoint,
  });
  return report.scenarios[0];
}

/** The repository objects a data-loss run must have written: its snapshot, an index and data packs. */
function expectRepositoryOn(keys: readonly string[], prefix: string, snapshotId: string): void {
  expect(keys).toContain(`${prefix}/${KEYS.config}`);
  expect(keys).toContain(`${prefix}/${KEYS.snapshot(snapshotId)}`);
  expect(keys.some((k) => k.startsWith(`${prefix}/${KEYS.indexPrefix}`))).toBe(true);
  expect(keys.some((k) => k.startsWith(`${prefix}/${KEYS.dataPrefix}`))).toBe(true);
}

describe('data-loss drill with --repo s3://… (s3rver on loopback)', () => {
  test('GIVEN an s3:// repo and its endpoint WHEN the data-loss drill runs THEN the file is restored byte-identical from snapshots stored in the bucket, and no local repository is written', async () => {
    const outDir = path.join(work, 'in-process');
    const s = await dataLossOnS3('drill', 1, outDir);

    const v = s.bulkhead.volume;
    expect(v?.backedUp).toBe(true);
    expect(v?.deleted).toBe('orders/2021/ledger-0007.json');
    expect(v?.byteIdentical).toBe(true);
    expect(v?.sha256After).toBe(v?.sha256Before);
    expect(s.claims).toEqual([expect.objectContaining({ pass: true })]);
    expect(s.baseline?.volume?.restored).toBe(false);

    // THEN the snapshot the drill took is in the bucket, so the S3 path really ran ...
    const snapshotId = v?.snapshotId ?? '';
    expect(snapshotId).toMatch(/^[0-9a-f]{64}$/);
    expectRepositoryOn(await keysUnder('drill'), 'drill', snapshotId);
    // ... and the drill did not quietly fall back to its local repository directory.
    expect(existsSync(path.join(outDir, 'work', 'data-loss', 'bulkhead', 'repo'))).toBe(false);
  });

  test('GIVEN an s3:// repo that already holds an earlier drill (same simulated clock, other seed) WHEN the drill runs again THEN it restores from its own snapshot, byte-identical', async () => {
    // Every drill starts at the same simulated instant, so snapshot times tie across runs: "latest"
    // by time cannot tell this run's snapshot from the one before it.
    const first = await dataLossOnS3('shared', 2, path.join(work, 'shared-1'));
    const second = await dataLossOnS3('shared', 3, path.join(work, 'shared-2'));

    expect(first.bulkhead.volume?.byteIdentical).toBe(true);
    expect(second.bulkhead.volume?.byteIdentical).toBe(true);
    // The two seeds generate different bytes, so restoring the wrong snapshot could not pass.
    expect(second.bulkhead.volume?.sha256Before).not.toBe(first.bulkhead.volume?.sha256Before);
    const keys = await keysUnder('shared');
    expect(keys.filter((k) => k.startsWith(`shared/${KEYS.snapshotPrefix}`))).toHaveLength(2);
    expectRepositoryOn(keys, 'shared', second.bulkhead.volume?.snapshotId ?? '');
  });

  test('GIVEN the real bin WHEN drill --repo s3://… --endpoint … --json THEN it exits 0 with the file restored and the snapshot in the bucket; --help documents --endpoint', async () => {
    const outDir = path.join(work, 'bin');
    const r = await runBulkhead(
      S3RVER_ENV,
      'drill',
      '--scenario',
      'data-loss',
      '--repo',
      `s3://${s3().bucket}/bin`,
      '--endpoint',
      s3().endpoint,
      '--out',
      outDir,
      '--json',
    );
    expect(r.err).not.toMatch(/bulkhead: /);
    expect(r.code).toBe(0);
    const report = JSON.parse(await readFile(path.join(outDir, 'drill-report.json'), 'utf8')) as DrillReport;
    const v = report.scenarios[0].bulkhead.volume;
    expect(v?.byteIdentical).toBe(true);
    expectRepositoryOn(await keysUnder('bin'), 'bin', v?.snapshotId ?? '');

    const help = await runBulkhead({}, 'drill', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--endpoint <url>\s+S3-compatible endpoint for an s3:\/\/ --repo/);
  });
});
