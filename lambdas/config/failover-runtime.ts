import * as z from 'zod/mini';
import type { FailoverPolicy } from '../core/failover-policy';
import { valueAt } from '../core/zod-issues';

/**
 * The failover functions' runtime config: env var names and the schema of the JSON the construct
 * puts in {@link FAILOVER_CONFIG_ENV}. zod/mini, because this is in every function's bundle (the
 * classic zod API used by the deploy-time schema in `failover.ts` adds about 400 KB).
 */

/** Env var holding a function's runtime config (JSON, {@link failoverRuntimeSchema}). */
export const FAILOVER_CONFIG_ENV = 'BULKHEAD_FAILOVER_CONFIG';
/** Env var holding the state bucket's name. */
export const STATE_BUCKET_ENV = 'BULKHEAD_STATE_BUCKET';

const num = () => z.number().check(z.minimum(0));
const int = () => z.int().check(z.minimum(0));
const fraction = () => z.number().check(z.minimum(0), z.maximum(1));

const policySchema = z.object({
  detection: z.object({
    periodSeconds: z.int().check(z.minimum(1)),
    evaluationPeriods: z.int().check(z.minimum(1)),
    datapointsToAlarm: z.int().check(z.minimum(1)),
    outlierTest: z.enum(['chi-squared', 'share']),
    chiSquaredCritical: num(),
    faultShareFactor: num(),
    faultRateThreshold: fraction(),
    minRequests: int(),
    latencyThresholdMs: num(),
    latencyOutlierFactor: num(),
    probeFailureRateThreshold: fraction(),
    probeLatencyThresholdMs: num(),
    probePeriodSeconds: z.int().check(z.minimum(1)),
    probeWindowPeriods: int(),
    minProbes: int(),
    minAffectedTargets: z.int().check(z.minimum(1)),
    capacityLossFraction: fraction(),
  }),
  zoneShift: z.object({
    cooldownMs: int(),
    hysteresisFactor: z.number().check(z.minimum(1)),
    minRecoveryHoldMs: int(),
    shiftLeaseTtlMs: int(),
    restoreStepsPercent: z.array(z.int().check(z.minimum(1), z.maximum(100))).check(z.minLength(1)),
    restoreStepHoldMs: int(),
    minHealthyCapacityPercent: z.number().check(z.minimum(0), z.maximum(100)),
    maxDesiredPerCell: z.int().check(z.minimum(1)),
    equalWeight: z.int().check(z.minimum(1), z.maximum(999)),
    correctDrift: z.boolean(),
  }),
  taskReplacer: z.object({
    stuckTaskLimitMs: int(),
    crashLoopStops: z.int().check(z.minimum(1)),
    crashLoopWindowMs: int(),
    knownGoodAfterMs: int(),
    probeFailuresToStop: z.int().check(z.minimum(1)),
    rollbackCooldownMs: int(),
    maxDesiredPerCell: z.int().check(z.minimum(1)),
  }),
  guard: z.object({
    maxStopFraction: fraction(),
    minStopsPerWindow: int(),
    windowMs: z.int().check(z.minimum(1)),
    minHealthyPercent: z.union([z.number().check(z.minimum(0), z.maximum(100)), z.literal('service')]),
  }),
  dryRun: z.boolean(),
});

/** One cell as the functions need it at runtime. */
export const runtimeCellSchema = z.object({
  az: z.string().check(z.minLength(1)),
  serviceName: z.string().check(z.minLength(1)),
  targetGroupArn: z.string().check(z.startsWith('arn:')),
});

/** Runtime config of the failover functions, passed as JSON in {@link FAILOVER_CONFIG_ENV}. */
/** Probes per target in each prober round, unless configured (see `probesPerTarget` in ./failover). */
export const DEFAULT_PROBES_PER_TARGET = 10;

export const failoverRuntimeSchema = z.object({
  clusterName: z.string().check(z.minLength(1)),
  clusterArn: z.string().check(z.startsWith('arn:')),
  listenerArn: z.string().check(z.startsWith('arn:')),
  /** Alarm names are `<alarmPrefix><az>-<kind>`; anything else is not ours. */
  alarmPrefix: z.string().check(z.minLength(1)),
  cells: z.array(runtimeCellSchema).check(z.minLength(1), z.maxLength(5)),
  policy: policySchema,
  healthPath: z.string().check(z.startsWith('/')),
  probeIntervalSeconds: z.int().check(z.minimum(1)),
  probesPerTarget: z.int().check(z.minimum(1)),
  probeTimeoutMs: z.int().check(z.minimum(1)),
  runLeaseTtlMs: z.int().check(z.minimum(1000)),
});

/** Validated runtime config. */
export type FailoverRuntimeConfig = Omit<z.infer<typeof failoverRuntimeSchema>, 'policy'> & {
  readonly policy: FailoverPolicy;
};

/** Reads and validates the runtime config from an environment; throws with the bad value named. */
export function readFailoverEnv(env: Readonly<Record<string, string | undefined>>): {
  config: FailoverRuntimeConfig;
  stateBucket: string;
} {
  const raw = env[FAILOVER_CONFIG_ENV];
  const stateBucket = env[STATE_BUCKET_ENV];
  if (!raw) throw new Error(`${FAILOVER_CONFIG_ENV} is not set`);
  if (!stateBucket) throw new Error(`${STATE_BUCKET_ENV} is not set`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new Error(`${FAILOVER_CONFIG_ENV} is not JSON (${(error as Error).message}): ${raw.slice(0, 200)}`);
  }
  const parsed = failoverRuntimeSchema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'} (got ${JSON.stringify(valueAt(json, i.path))})`)
      .join('; ');
    throw new Error(`${FAILOVER_CONFIG_ENV} is invalid at ${where}`);
  }
  return { config: parsed.data as FailoverRuntimeConfig, stateBucket };
}

/** The metric names the prober publishes (namespace `Bulkhead`). */
export const PROBE_METRICS = {
  probes: 'ProbeCount',
  failures: 'ProbeFailures',
  failedTargets: 'ProbeFailedTargets',
  latency: 'ProbeLatency',
  successRate: 'ProbeSuccessRate',
} as const;
