import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type BuiltApp, buildApp } from '../../bin/build-app';
import type { StackConfigInput } from '../../lambdas/config/stack';

const outdirs: string[] = [];
// The test file that imports this module removes the cloud assemblies its apps wrote (without an
// outdir, `new App()` makes a cdk.outXXXXXX directory in the system temp directory and leaves it).
afterAll(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory for one app's cloud assembly (`AppProps.outdir`), removed after the test file. */
export function tempOutdir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulkhead-cdk-out-'));
  outdirs.push(dir);
  return dir;
}

/** A synthesized Bulkhead app for template assertions. */
export interface Synthesized extends BuiltApp {
  readonly template: Template;
}

/** Options for {@link synthBulkhead}. */
export interface SynthOptions {
  /** Stands in for the process environment, so a developer's CDK_DEFAULT_* never leaks in. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Run CDK's built-in CloudFormation validation (what `cdk synth` runs). It is about 90% of a
   * synth's CPU time, and the default stack is the same in every construct test, so only
   * test/lib/bulkhead-stack.test.ts turns it on for it (and a test for a stack it alone builds);
   * cdk-nag runs on every synthesis either way.
   * @default false
   */
  readonly cfnValidation?: boolean;
}

/**
 * Builds the app exactly as `cdk synth` does (cdk.json context, cdk-nag plugin), with the given
 * `bulkhead` config and no Lambda bundling, without synthesizing it: for a test that adds
 * constructs to the stack first.
 */
export function buildBulkhead(config: StackConfigInput = {}, options: SynthOptions = {}): BuiltApp {
  return buildApp({
    appProps: {
      outdir: tempOutdir(),
      context: { 'aws:cdk:bundling-stacks': [], bulkhead: config },
      builtinCloudFormationValidation: options.cfnValidation ?? false,
    },
    env: options.env ?? {},
  });
}

/** {@link buildBulkhead}, synthesized once. */
export function synthBulkhead(config: StackConfigInput = {}, options: SynthOptions = {}): Synthesized {
  const built = buildBulkhead(config, options);
  return { ...built, template: Template.fromStack(built.stack) };
}

/** cdk-nag AwsSolutions findings that no acknowledgement covers, as `rule at path` strings. */
export function unacknowledgedNagFindings(built: BuiltApp): string[] {
  const report = new AwsSolutionsChecks(built.app).validateScope(built.app);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath ?? r.resourceLogicalId}`),
  );
}

/** CloudFormation properties: untyped JSON, read by tests that assert on it. */
// biome-ignore lint/suspicious/noExplicitAny: template JSON has no static type; tests index into it freely.
export type CfnProps = Record<string, any>;

/** Resources of one type, as [logicalId, properties] pairs. */
export function resourcesOf(template: Template, type: string): [string, CfnProps][] {
  return Object.entries(template.findResources(type)).map(([id, r]) => [id, r.Properties ?? {}]);
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt }` points at. */
export function refId(value: unknown): string {
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  if (v?.Ref) return v.Ref;
  if (v?.['Fn::GetAtt']) return v['Fn::GetAtt'][0];
  throw new Error(`not a reference: ${JSON.stringify(value)}`);
}
