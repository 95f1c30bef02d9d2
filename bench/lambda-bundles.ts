/**
 * Lambda bundle size and cold init of every function (`lambdas/<fn>/handler.ts`), next to a
 * baseline bundle that imports (and constructs, as the handlers do at cold start) only the same SDK
 * clients, plus the failover functions' `decide` time for 5 AZs.
 *
 *   npx tsx bench/lambda-bundles.ts [--runs 30]
 *
 * Bundles are built with esbuild using the options of lib/function.ts (minified, node22, CJS,
 * everything bundled). Init = wall time of `node -e "require(bundle)"` minus that of a bare
 * `node -e 0`, both measured in the same run, interleaved, median of `--runs` repetitions.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as esbuild from 'esbuild';
import { AVAILABILITY_DEFAULTS } from '../lambdas/config/availability';
import {
  AVAILABILITY_BUCKET_ENV,
  AVAILABILITY_CONFIG_ENV,
  type AvailabilityRuntimeConfig,
  pickAvailabilitySettings,
} from '../lambdas/config/availability-runtime';
import { BACKUP_CONFIG_ENV, type BackupRuntimeConfig } from '../lambdas/config/backup-runtime';
import {
  DEFAULT_PROBES_PER_TARGET,
  FAILOVER_CONFIG_ENV,
  type FailoverRuntimeConfig,
  resolveFailoverPolicy,
  STATE_BUCKET_ENV,
} from '../lambdas/config/failover';
import { assessAzs, type PeriodSamples } from '../lambdas/core/detection';
import { decide as decideTasks } from '../lambdas/task-replacer/decide';
import { decide, expectedWeights } from '../lambdas/zone-shifter/decide';
import { INITIAL_SHIFT } from '../lambdas/zone-shifter/shift-state';
import { LAMBDA_BUNDLE_SETTINGS } from '../lib/lambda-bundle-settings';
import { lambdaFunctionDirs } from '../test/bundle-lambda';

const USAGE = `Usage: npx tsx bench/lambda-bundles.ts [--runs N]

Bundles every lambdas/<fn>/handler.ts as lib/function.ts does (esbuild, minified, node22, CJS,
everything bundled) and prints, per function, its size and cold init next to a baseline bundle
holding only the SDK clients it constructs (goals from the failover issue: +<100 KB over the
baseline, init <= 1.2x the baseline's), then the failover functions' decide time for 5 AZs.
Init = median wall time of \`node -e "require(bundle)"\` minus a bare \`node -e 0\`, interleaved.
Bundles are written to bench/.work/lambda-bundles/.

Options:
  --runs N   interleaved repetitions per bundle (default 30)
  --help     this text`;

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}

const ROOT = path.join(__dirname, '..');
const WORK = path.join(ROOT, 'bench', '.work', 'lambda-bundles');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 30;
if (!Number.isInteger(RUNS) || RUNS < 1) {
  console.error(`--runs must be a positive integer, got ${JSON.stringify(process.argv[runsArg + 1])}`);
  process.exit(2);
}

const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1f'];
const tg = (az: string) =>
  `arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/cell-${az.slice(-1)}/0123456789abcdef`;

interface Subject {
  readonly name: string;
  readonly entry: string;
  /** SDK clients the function constructs at cold start. */
  readonly clients: readonly { readonly pkg: string; readonly cls: string }[];
  /** SDK clients bundled but required only on first use (in the baseline as a lazy require too). */
  readonly lazyClients?: readonly { readonly pkg: string }[];
}

const ECS = { pkg: '@aws-sdk/client-ecs', cls: 'ECSClient' };
const ELB = { pkg: '@aws-sdk/client-elastic-load-balancing-v2', cls: 'ElasticLoadBalancingV2Client' };
const CW = { pkg: '@aws-sdk/client-cloudwatch', cls: 'CloudWatchClient' };
const S3 = { pkg: '@aws-sdk/client-s3', cls: 'S3Client' };
const KMS = { pkg: '@aws-sdk/client-kms' };

const SUBJECTS: readonly Subject[] = [
  { name: 'zone-shifter', entry: 'lambdas/zone-shifter/handler.ts', clients: [ECS, ELB, CW, S3] },
  { name: 'task-replacer', entry: 'lambdas/task-replacer/handler.ts', clients: [ECS, ELB, S3] },
  { name: 'zonal-prober', entry: 'lambdas/zonal-prober/handler.ts', clients: [ELB, S3] },
  { name: 'availability', entry: 'lambdas/availability/handler.ts', clients: [S3, CW, ELB] },
  // KMS: only for a KMS-keyed repository, loaded on first use (lambdas/adapters/aws/kms-key-management.ts).
  { name: 'volume-backup', entry: 'lambdas/volume-backup/handler.ts', clients: [S3], lazyClients: [KMS] },
];

/** Every function lib/function.ts can bundle; the bench refuses to leave one out. */
function checkEveryFunction(): void {
  const missing = lambdaFunctionDirs()
    .map((dir) => `lambdas/${dir}/handler.ts`)
    .filter((entry) => !SUBJECTS.some((s) => s.entry === entry));
  if (missing.length > 0) throw new Error(`add to SUBJECTS (with the SDK clients it builds): ${missing}`);
}

/** A built bundle and how much of it is zod (classic zod's API is what the deploy-time schemas use). */
interface Built {
  readonly file: string;
  readonly zodKb: number;
  readonly classicZod: boolean;
}

async function bundle(name: string, entry: string): Promise<Built> {
  const outfile = path.join(WORK, `${name}.js`);
  const { metafile } = await esbuild.build({
    entryPoints: [entry],
    outfile,
    ...LAMBDA_BUNDLE_SETTINGS,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'error',
    absWorkingDir: ROOT,
    metafile: true,
  });
  const kept = Object.entries(metafile.outputs[path.relative(ROOT, outfile)].inputs);
  const zodBytes = kept
    .filter(([k]) => k.startsWith('node_modules/zod/'))
    .reduce((sum, [, v]) => sum + v.bytesInOutput, 0);
  const classicZod = kept.some(
    ([k, v]) => k.startsWith('node_modules/zod/v4/classic/') && v.bytesInOutput > 0,
  );
  return { file: outfile, zodKb: zodBytes / 1024, classicZod };
}

/** A baseline entry: the same clients, imported and constructed (or lazily required), nothing else. */
function baselineEntry(name: string, clients: Subject['clients'], lazy: Subject['lazyClients'] = []): string {
  const file = path.join(WORK, `${name}.entry.ts`);
  const lines = clients.map((c, i) => `import { ${c.cls} as C${i} } from '${c.pkg}';`);
  lines.push(`export const clients = [${clients.map((_, i) => `new C${i}({})`).join(', ')}];`);
  lines.push(`export const lazy = [${lazy.map((c) => `() => require('${c.pkg}')`).join(', ')}];`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function wallMs(args: readonly string[], env: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const elapsed = performance.now() - started;
  if (result.status !== 0)
    throw new Error(`node ${args.join(' ')} failed: ${lastLines(result.stderr.toString())}`);
  return elapsed;
}

/** The error's message without the minified source line node prints above it. */
function lastLines(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => l.length < 300)
    .slice(0, 12)
    .join('\n');
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function runtimeEnv(): NodeJS.ProcessEnv {
  // Typed, so a field added to a runtime schema fails the type check here, not the bench's require.
  const config: FailoverRuntimeConfig = {
    clusterName: 'bulkhead',
    clusterArn: 'arn:aws:ecs:us-east-1:111111111111:cluster/bulkhead',
    listenerArn:
      'arn:aws:elasticloadbalancing:us-east-1:111111111111:listener/app/bulkhead/50dc6c495c0c9188/f2f7dc8efc522ab2',
    alarmPrefix: 'Bulkhead-az-',
    cells: AZS.slice(0, 3).map((az) => ({ az, serviceName: `cell-${az.slice(-1)}`, targetGroupArn: tg(az) })),
    policy: resolveFailoverPolicy(),
    healthPath: '/',
    probeIntervalSeconds: 10,
    probesPerTarget: DEFAULT_PROBES_PER_TARGET,
    probeTimeoutMs: 2000,
    runLeaseTtlMs: 50000,
  };
  const availability: AvailabilityRuntimeConfig = {
    serviceName: 'bulkhead',
    loadBalancer: 'app/bulkhead/50dc6c495c0c9188',
    cells: AZS.slice(0, 3).map((az) => ({
      az,
      targetGroup: `targetgroup/cell-${az.slice(-1)}/0123456789abcdef`,
      targetGroupArn: tg(az),
    })),
    slo: 0.999,
    sloWindow: '30d',
    listenerArn: config.listenerArn,
    probeUrl: 'http://bulkhead.example.internal/',
    ...pickAvailabilitySettings(AVAILABILITY_DEFAULTS),
    lookbackMinutes: 15,
    metricLagMinutes: 2,
    incidentAlarms: { 'Bulkhead-az-us-east-1a-alb': 'az:us-east-1a' },
  };
  const backup: BackupRuntimeConfig = {
    bucket: 'bench-backups',
    prefix: 'restic/',
    sourcePath: '/mnt/data',
    sourceName: 'efs-data',
    leaseTtlMs: 600_000,
    checkpointMarginMs: 150_000,
    restoreDrillFiles: 0,
    // Lambda's nodejs24.x has zstd in node:zlib; the node running this bench may not (v20 has not).
    codec: 'brotli',
  };
  return {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    [FAILOVER_CONFIG_ENV]: JSON.stringify(config),
    [AVAILABILITY_CONFIG_ENV]: JSON.stringify(availability),
    [BACKUP_CONFIG_ENV]: JSON.stringify(backup),
    // Both name the state bucket (today the same variable; set each so neither handler depends on that).
    ...{ [STATE_BUCKET_ENV]: 'bench-state' },
    ...{ [AVAILABILITY_BUCKET_ENV]: 'bench-state' },
  };
}

/** Interleaves bare node and each bundle so drift on a shared machine hits them alike. */
function measureInit(bundles: readonly { label: string; file: string }[]): Map<string, number> {
  const env = runtimeEnv();
  const bare: number[] = [];
  const samples = new Map<string, number[]>(bundles.map((b) => [b.label, []]));
  // Warm the file cache once.
  for (const b of bundles) wallMs(['-e', `require(${JSON.stringify(b.file)})`], env);
  for (let i = 0; i < RUNS; i++) {
    bare.push(wallMs(['-e', '0'], env));
    for (const b of bundles)
      samples.get(b.label)!.push(wallMs(['-e', `require(${JSON.stringify(b.file)})`], env));
  }
  const out = new Map<string, number>([['bare node', median(bare)]]);
  for (const [label, xs] of samples) out.set(label, median(xs));
  return out;
}

function decideBench(): { zoneShifter: number; detectionAndDecide: number; taskReplacer: number } {
  const policy = resolveFailoverPolicy();
  const now = 1_800_000_000_000;
  const cells = AZS.map((az, i) => ({
    az,
    targetGroupArn: tg(az),
    serviceName: `cell-${i}`,
    desiredCount: 8,
    runningCount: 8,
    health: {
      az,
      status: (i === 2 ? 'impaired' : 'healthy') as 'impaired' | 'healthy',
      badInWindow: i === 2 ? 3 : 0,
      missingInWindow: 0,
      detectionMs: 180_000,
      goodForMs: i === 2 ? 0 : 3_600_000,
      recent: [],
      why: 'bench',
    },
  }));
  const input = {
    nowMs: now,
    cells,
    shift: INITIAL_SHIFT,
    policy,
    listenerWeights: expectedWeights(cells, INITIAL_SHIFT, policy),
  };
  const periods: PeriodSamples[] = Array.from({ length: 16 }, (_, p) => ({
    startMs: now - (16 - p) * 60_000,
    byAz: Object.fromEntries(
      AZS.map((az, i) => [
        az,
        i === 2 && p > 12
          ? {
              requests: 1000,
              faults: 300,
              latencyMs: 40,
              unhealthyHosts: 3,
              probes: 24,
              probeFailures: 18,
              probeFailedTargets: 3,
            }
          : {
              requests: 1000,
              faults: 2,
              latencyMs: 40,
              unhealthyHosts: 0,
              probes: 24,
              probeFailures: 0,
              probeFailedTargets: 0,
            },
      ]),
    ),
  }));
  const time = (fn: () => unknown, iterations: number): number => {
    for (let i = 0; i < 2000; i++) fn();
    const started = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    return ((performance.now() - started) * 1000) / iterations; // µs per call
  };
  const zoneShifter = time(() => decide(input), 50_000);
  const detectionAndDecide = time(() => {
    const health = assessAzs(AZS, periods, policy.detection);
    return decide({ ...input, cells: cells.map((c) => ({ ...c, health: health[c.az] })) });
  }, 20_000);
  const service = (i: number) => ({
    serviceName: `cell-${i}`,
    serviceArn: `arn:svc/${i}`,
    taskDefinition: 'td:2',
    desiredCount: 20,
    runningCount: 20,
    pendingCount: 0,
    minimumHealthyPercent: 100,
    deployments: [
      {
        id: 'd',
        status: 'PRIMARY' as const,
        rolloutState: 'COMPLETED' as const,
        taskDefinition: 'td:2',
        createdAtMs: 0,
        updatedAtMs: 0,
        failedTasks: 0,
      },
    ],
  });
  const trCells = AZS.map((az, i) => {
    const tasks = Array.from({ length: 20 }, (_, n) => ({
      taskArn: `arn:task/${i}/${n}`,
      availabilityZone: az,
      lastStatus: 'RUNNING' as const,
      desiredStatus: 'RUNNING' as const,
      taskDefinitionArn: 'td:2',
      createdAtMs: now - 3_600_000,
      privateIp: `10.0.${i}.${n}`,
    }));
    return {
      az,
      service: service(i),
      tasks,
      stoppedTasks: [],
      targets: tasks.map((t) => ({ id: t.privateIp, port: 8080, state: 'healthy' as const })),
      probeFailures: Object.fromEntries(tasks.map((t, n) => [t.privateIp, n === 0 ? 3 : 0])),
      auditedStops: [],
    };
  });
  const taskReplacer = time(() => decideTasks({ nowMs: now, cells: trCells, policy }), 20_000);
  return { zoneShifter, detectionAndDecide, taskReplacer };
}

async function main(): Promise<void> {
  checkEveryFunction();
  mkdirSync(WORK, { recursive: true });
  const nodeVersion = execFileSync(process.execPath, ['--version']).toString().trim();
  const rows: (Built & { label: string; baselineOf?: string })[] = [];
  for (const s of SUBJECTS) {
    rows.push({ label: s.name, ...(await bundle(s.name, s.entry)) });
    rows.push({
      label: `${s.name} baseline`,
      ...(await bundle(`${s.name}-baseline`, baselineEntry(`${s.name}-baseline`, s.clients, s.lazyClients))),
      baselineOf: s.name,
    });
  }
  rows.push({
    label: 'ECS+ELBv2 clients only',
    ...(await bundle('ecs-elbv2-reference', baselineEntry('ecs-elbv2-reference', [ECS, ELB]))),
  });

  const init = measureInit(rows);
  const bare = init.get('bare node')!;
  const kb = (file: string) => statSync(file).size / 1024;

  console.log(
    `\nLambda bundles (esbuild, minified, node22 target; run on node ${nodeVersion}, ${RUNS} interleaved runs, medians)`,
  );
  console.log(`bare \`node -e 0\`: ${bare.toFixed(1)} ms wall\n`);
  const header = [
    'bundle',
    'size KB',
    'zod KB',
    'Δ size vs baseline',
    'wall ms',
    'init ms (wall − bare)',
    'init / baseline init',
  ];
  const table: string[][] = [];
  for (const s of SUBJECTS) {
    const fn = rows.find((r) => r.label === s.name)!;
    const base = rows.find((r) => r.baselineOf === s.name)!;
    const fnInit = init.get(fn.label)! - bare;
    const baseInit = init.get(base.label)! - bare;
    table.push([
      base.label,
      kb(base.file).toFixed(1),
      '',
      '',
      init.get(base.label)!.toFixed(1),
      baseInit.toFixed(1),
      '',
    ]);
    table.push([
      fn.label,
      kb(fn.file).toFixed(1),
      `${fn.zodKb.toFixed(1)}${fn.classicZod ? ' (classic)' : ' (mini)'}`,
      `+${(kb(fn.file) - kb(base.file)).toFixed(1)} KB (goal < 100)`,
      init.get(fn.label)!.toFixed(1),
      fnInit.toFixed(1),
      `${(fnInit / baseInit).toFixed(2)}× (goal ≤ 1.2)`,
    ]);
  }
  const ref = rows[rows.length - 1];
  table.push([
    ref.label,
    kb(ref.file).toFixed(1),
    '',
    '(issue: 619 KB)',
    init.get(ref.label)!.toFixed(1),
    (init.get(ref.label)! - bare).toFixed(1),
    `${(init.get(ref.label)! / bare).toFixed(2)}× bare wall (issue: ≈2.25×)`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of table) console.log(line(r));

  const d = decideBench();
  console.log('\nfailover decide (pure core), 5 AZs, mean per call (goal < 1 ms = 1000 µs):');
  console.log(`  zone-shifter decide (one AZ impaired → evacuate)        ${d.zoneShifter.toFixed(2)} µs`);
  console.log(
    `  zone-shifter detection (16 periods) + decide            ${d.detectionAndDecide.toFixed(2)} µs`,
  );
  console.log(`  task-replacer decide (5 cells × 20 tasks, guard)        ${d.taskReplacer.toFixed(2)} µs`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
