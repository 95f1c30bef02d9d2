/**
 * The esbuild settings every Bulkhead Lambda is bundled with, in one place: `lib/function.ts` deploys
 * with them, and the bundle tests and `bench/lambda-bundles.ts` measure bundles built with them, so a
 * test cannot pass on a bundle other than the one deployed. No imports: tests load it without CDK.
 */
export const LAMBDA_BUNDLE_SETTINGS = {
  /** Minified: smaller assets, faster cold starts. */
  minify: true,
  /** The Node version of the Lambda runtime's language level (the runtime itself is nodejs24.x). */
  target: 'node22',
} as const;
