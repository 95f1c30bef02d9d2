import { bundleLambda, type LambdaBundle, lambdaFunctionDirs } from '../bundle-lambda';

// Every function, found on disk, so a new one is covered without editing this test.
const FUNCTIONS = lambdaFunctionDirs();

describe('every Lambda bundle', () => {
  const bundles = new Map<string, LambdaBundle>();
  beforeAll(async () => {
    for (const fn of FUNCTIONS) bundles.set(fn, await bundleLambda(fn));
  });

  test('GIVEN the lambdas folder THEN every function lib/ deploys is found (the list below is not empty by accident)', () => {
    expect(FUNCTIONS).toEqual(
      expect.arrayContaining([
        'availability',
        'task-replacer',
        'volume-backup',
        'zonal-prober',
        'zone-shifter',
      ]),
    );
  });

  test.each(FUNCTIONS)(
    'GIVEN %s bundled as lib/function.ts does THEN it holds zod/mini and no classic zod (the deploy-time schemas API, ~420 KB)',
    (fn) => {
      const { inputs } = bundles.get(fn)!;
      expect(inputs.some((i) => i.startsWith('node_modules/zod/v4/mini/'))).toBe(true);
      expect(inputs.filter((i) => i.startsWith('node_modules/zod/v4/classic/'))).toEqual([]);
    },
  );

  test.each(FUNCTIONS)(
    'GIVEN %s bundled THEN no zod locale but English is in the output (esbuild reads every locale through the index, then drops the unused ones)',
    (fn) => {
      const locales = bundles.get(fn)!.kept.filter((i) => i.startsWith('node_modules/zod/v4/locales/'));
      expect(locales.filter((i) => i !== 'node_modules/zod/v4/locales/en.js')).toEqual([]);
    },
  );

  test.each(FUNCTIONS)(
    'GIVEN %s bundled THEN neither the native zstd binding nor CLI-only modules are inside',
    (fn) => {
      const { inputs } = bundles.get(fn)!;
      expect(inputs.filter((i) => /@mongodb-js\/zstd|cli-progress|commander|cli\//.test(i))).toEqual([]);
    },
  );

  test('GIVEN the functions that parse a JSON env var (json-env.ts) THEN their zod messages are English, not "Invalid input"', () => {
    const withJsonEnv = FUNCTIONS.filter((fn) =>
      bundles.get(fn)!.kept.includes('lambdas/config/json-env.ts'),
    );
    expect(withJsonEnv).toEqual(expect.arrayContaining(['availability', 'volume-backup']));
    for (const fn of withJsonEnv)
      expect(bundles.get(fn)!.kept).toContain('node_modules/zod/v4/locales/en.js');
  });
});
