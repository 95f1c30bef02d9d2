import * as path from 'node:path';
import * as esbuild from 'esbuild';

describe('volume-backup Lambda bundle', () => {
  test('GIVEN the handler bundled as lib/function.ts does THEN neither the native zstd binding nor CLI-only modules are inside', async () => {
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
  });
});
