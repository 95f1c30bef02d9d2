import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CELL_WEIGHT } from '../lambdas/config/stack';
import { buildApp, REPO_ROOT, runEntryPoint } from './build-app';

/**
 * `npm run stack`: synthesizes the stack offline (cdk-nag included, so a finding
 * fails here as it fails `cdk synth`) and prints what would be deployed. Lambda bundling is skipped
 * unless `--bundle` is given: the template is the same, only the asset hashes differ, and
 * `cdk synth`/`cdk deploy` build the bundles themselves.
 */
function main(): void {
  const bundle = process.argv.includes('--bundle');
  const started = performance.now();
  const built = buildApp({
    appProps: {
      outdir: path.join(REPO_ROOT, 'cdk.out'),
      context: bundle ? {} : { 'aws:cdk:bundling-stacks': [] },
    },
  });
  const assembly = built.app.synth();
  const ms = performance.now() - started;
  const { stack } = built;
  const { config } = stack;
  const artifact = assembly.getStackByName(stack.stackName);
  const resources = Object.keys(artifact.template.Resources ?? {}).length;
  const outputs = Object.entries<{ Description?: string }>(artifact.template.Outputs ?? {});
  const outputWidth = Math.max(16, ...outputs.map(([name]) => name.length));
  const functions = Object.values<{ Type: string }>(artifact.template.Resources ?? {}).filter(
    (r) => r.Type === 'AWS::Lambda::Function',
  ).length;
  const s = config.service;
  const tg = config.targetGroup;
  const image =
    s.image.type === 'registry' ? s.image.name : `built from ./${s.image.directory} (needs Docker to deploy)`;
  const scheme = config.certificateArn ? 'https' : 'http';

  const lines = [
    `Bulkhead: synthesized stack ${stack.stackName} offline in ${(ms / 1000).toFixed(1)} s (${resources} resources, cdk-nag AwsSolutions: no unacknowledged findings)`,
    `  lambdas     ${functions} functions, ${bundle ? 'bundled' : 'not bundled (npm run stack -- --bundle, or npx cdk synth, builds them)'}`,
    `  target      account ${built.account}, region ${built.region}${built.usingDefaults ? " (offline defaults from cdk.json; cdk deploy targets your credentials' account and region)" : ''}`,
    `  AZs         ${stack.cellAzs.join(', ')} (${stack.cellAzs.length} cells, ${config.natGateways ?? stack.cellAzs.length} NAT gateways)`,
    `  image       ${image}, port ${s.port}, ${s.cpu} CPU units / ${s.memoryMiB} MiB`,
    '  cells',
    ...stack.cellAzs.map(
      (az) =>
        `    ${az.padEnd(16)} Fargate service + target group, weight ${CELL_WEIGHT}, tasks ${s.desiredCount} (autoscaling ${s.minCapacity}..${s.maxCapacity})`,
    ),
    `  health      GET ${s.healthCheckPath} every ${tg.healthCheckIntervalSeconds} s, unhealthy after ${tg.unhealthyThreshold}, healthy after ${tg.healthyThreshold}; deregistration delay ${tg.deregistrationDelaySeconds} s`,
    `  alarms      SNS topic${config.alarmEmail ? `, e-mail to ${config.alarmEmail}` : ' (no alarmEmail configured)'}`,
    `  volume      EFS (encrypted, one mount target per AZ) at ${config.volume.mountPath}`,
    '  endpoints',
    `    ${scheme}://<ALB DNS name>/   (known after deploy: stack output Endpoint)`,
    config.certificateArn
      ? '    http://<ALB DNS name>/    redirects to https'
      : '    (HTTP only: a demo default; set certificateArn for HTTPS)',
    '  outputs',
    ...outputs.map(([name, o]) => `    ${name.padEnd(outputWidth)} ${o.Description ?? ''}`),
    `  template    ${path.relative(process.cwd(), artifact.templateFullPath)}`,
    '  deploy      npx cdk bootstrap && npx cdk deploy   (see README: Deploying to your account)',
  ];
  if ((assembly.manifest.missing ?? []).length > 0) {
    lines.push(
      `  note        the AZs of ${built.account}/${built.region} are not in context yet (placeholders above); ` +
        '`npx cdk synth` with credentials looks them up and caches them in cdk.context.json',
    );
  }
  console.log(lines.join('\n'));
}

runEntryPoint(main);
