import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadStackConfig, StackConfigError } from '../lambdas/config/stack';
import { BulkheadStack } from '../lib/bulkhead-stack';

/** The stack's name (construct id). */
export const STACK_NAME = 'Bulkhead';

/** The repository root (where cdk.json lives). */
export const REPO_ROOT = path.resolve(__dirname, '..');

/** The `context` object of the repository's cdk.json. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8'));
  return cdkJson.context ?? {};
}

/** Options for {@link buildApp}. */
export interface BuildAppOptions {
  /** Passed to `new App()` (outdir, extra context). */
  readonly appProps?: AppProps;
  /** The process environment: `CDK_DEFAULT_ACCOUNT`, `CDK_DEFAULT_REGION`, `BULKHEAD_CONFIG`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** The built app, its one stack, and the account/region it targets. */
export interface BuiltApp {
  readonly app: App;
  readonly stack: BulkheadStack;
  readonly account: string;
  readonly region: string;
  /** True when account and region come from cdk.json's offline defaults, not from the environment. */
  readonly usingDefaults: boolean;
}

/**
 * Builds Bulkhead's CDK app: config from cdk.json context `bulkhead` (plus `BULKHEAD_CONFIG`),
 * account/region from the CDK CLI's env vars or cdk.json's offline defaults, cdk-nag AwsSolutions on.
 */
export function buildApp(options: BuildAppOptions = {}): BuiltApp {
  const env = options.env ?? process.env;
  // cdk.json's context is the base, so `npm run stack` and tests see what `cdk synth` sees; context the CDK
  // CLI passes (cdk.json, cdk.context.json, -c) still wins.
  const app = new App({
    ...options.appProps,
    context: { ...cdkJsonContext(), ...options.appProps?.context },
  });
  const account = env.CDK_DEFAULT_ACCOUNT ?? app.node.tryGetContext('bulkhead:defaultAccount');
  const region = env.CDK_DEFAULT_REGION ?? app.node.tryGetContext('bulkhead:defaultRegion');
  if (!account || !region) {
    throw new Error(
      'No account/region: set CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION, or keep ' +
        '"bulkhead:defaultAccount" and "bulkhead:defaultRegion" in cdk.json context',
    );
  }
  const file = env.BULKHEAD_CONFIG ? path.resolve(env.BULKHEAD_CONFIG) : undefined;
  if (file && !fs.existsSync(file)) {
    throw new Error(`BULKHEAD_CONFIG names ${file}, which does not exist`);
  }
  const config = loadStackConfig({ context: app.node.tryGetContext('bulkhead'), file });
  const stack = new BulkheadStack(app, STACK_NAME, {
    env: { account, region },
    config,
    description: 'Bulkhead: a web service as zonal Fargate cells behind one ALB',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return {
    app,
    stack,
    account,
    region,
    usingDefaults: !env.CDK_DEFAULT_ACCOUNT && !env.CDK_DEFAULT_REGION,
  };
}

/**
 * Runs an entry point; a configuration error prints its message (each bad field with the value
 * received) without a stack trace and exits 1. Anything else is rethrown as it is.
 */
export function runEntryPoint(main: () => void): void {
  try {
    main();
  } catch (e) {
    if (e instanceof StackConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
}
