import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { LAMBDA_BUNDLE_SETTINGS } from '../lib/lambda-bundle-settings';

const ROOT = path.join(__dirname, '..');

/** Every function `lib/function.ts` can deploy: the folders under `lambdas/` with a `handler.ts`. */
export function lambdaFunctionDirs(): string[] {
  return readdirSync(path.join(ROOT, 'lambdas'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && readdirSync(path.join(ROOT, 'lambdas', d.name)).includes('handler.ts'))
    .map((d) => d.name)
    .sort();
}

/** A function's bundle as esbuild describes it: every module read, and those with bytes in the output. */
export interface LambdaBundle {
  /** Every input esbuild read (paths relative to the repository root). */
  readonly inputs: readonly string[];
  /** Inputs with bytes left in the output after tree shaking. */
  readonly kept: readonly string[];
  readonly bytes: number;
  /** esbuild's full description (each input's imports, each output's inputs). */
  readonly metafile: esbuild.Metafile;
}

/** Bundles `lambdas/<functionDir>/handler.ts` with the deployed esbuild settings, in memory. */
export async function bundleLambda(functionDir: string): Promise<LambdaBundle> {
  const result = await esbuild.build({
    entryPoints: [path.join(ROOT, 'lambdas', functionDir, 'handler.ts')],
    absWorkingDir: ROOT,
    ...LAMBDA_BUNDLE_SETTINGS,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const [output] = Object.values(result.metafile.outputs);
  return {
    inputs: Object.keys(result.metafile.inputs),
    kept: Object.entries(output.inputs)
      .filter(([, v]) => v.bytesInOutput > 0)
      .map(([k]) => k),
    bytes: output.bytes,
    metafile: result.metafile,
  };
}
