import { bundleLambda } from '../bundle-lambda';

// What every bundle must not hold (classic zod, the native zstd binding, CLI modules) is checked for
// all functions in test/lib/lambda-bundles.test.ts; this is what the backup bundle must hold.
describe('volume-backup Lambda bundle', () => {
  test('GIVEN the handler bundled as lib/function.ts does THEN the snapshot engine (reading in-thread) and the lazily required S3 client are inside', async () => {
    const { inputs, metafile } = await bundleLambda('volume-backup');
    expect(inputs).toContain('lambdas/core/snapshot/backup.ts');
    expect(inputs.some((i) => i.includes('@aws-sdk/client-s3'))).toBe(true); // the lazy require is bundled
    // The Lambda reads in-thread: the worker pool (and its tsx-registering entry) stays out.
    expect(inputs.filter((i) => /worker-chunk-reader|chunk-worker/.test(i))).toEqual([]);
    expect(inputs.some((i) => i.includes('lambdas/core/snapshot/file-chunks.ts'))).toBe(true);
    // The KMS client is bundled (a repository may be KMS-keyed), and only the adapter imports it.
    const kmsImporters = Object.entries(metafile.inputs)
      .filter(([, v]) => v.imports.some((imp) => imp.path.includes('@aws-sdk/client-kms')))
      .map(([k]) => k);
    expect(kmsImporters).toEqual(['lambdas/adapters/aws/kms-key-management.ts']);
  });
});
