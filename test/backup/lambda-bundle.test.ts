import * as path from 'node:path';
import * as esbuild from 'esbuild';

describe('volume-backup Lambda bundle', () => {
  test('GIVEN the handler bundled as lib/function.ts does THEN neither the native zstd binding, CLI-only modules nor classic zod are inside', async () => {
    const result = await esbuild.build({
      entryPoints: [path.join(__dirname, '..', '..', 'lambdas', 'volume-backup', 'handler.ts')],
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      minify: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((i) => i.includes('lambdas/core/snapshot/backup.ts'))).toBe(true);
    expect(inputs.some((i) => i.includes('@aws-sdk/client-s3'))).toBe(true); // the lazy require is bundled
    expect(inputs.filter((i) => /@mongodb-js\/zstd|cli-progress|commander|cli\//.test(i))).toEqual([]);
    // zod/mini only: classic zod (the deploy-time schemas' API) added 422 KB.
    expect(inputs.some((i) => i.includes('node_modules/zod/v4/mini/'))).toBe(true);
    expect(inputs.filter((i) => i.includes('node_modules/zod/v4/classic/'))).toEqual([]);
    // ... with the English messages (json-env.ts) and no other locale in the output (esbuild reads
    // every locale through the index, then drops the unused ones).
    const kept = Object.values(result.metafile.outputs).flatMap((o) =>
      Object.entries(o.inputs)
        .filter(([, v]) => v.bytesInOutput > 0)
        .map(([k]) => k),
    );
    expect(kept.filter((i) => i.includes('node_modules/zod/v4/locales/'))).toEqual([
      'node_modules/zod/v4/locales/en.js',
    ]);
    // The Lambda reads in-thread: the worker pool (and its tsx-registering entry) stays out.
    expect(inputs.filter((i) => /worker-chunk-reader|chunk-worker/.test(i))).toEqual([]);
    expect(inputs.some((i) => i.includes('lambdas/core/snapshot/file-chunks.ts'))).toBe(true);
    // The KMS client is bundled (a repository may be KMS-keyed), and only the adapter imports it.
    const kmsImporters = Object.entries(result.metafile.inputs)
      .filter(([, v]) => v.imports.some((imp) => imp.path.includes('@aws-sdk/client-kms')))
      .map(([k]) => k);
    expect(kmsImporters).toEqual(['lambdas/adapters/aws/kms-key-management.ts']);
  });
});
