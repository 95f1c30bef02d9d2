import { z } from 'zod';
import { DEFAULT_FAILOVER_POLICY, type FailoverPolicy } from '../core/failover-policy';

const positive = z.number().positive();
const ms = z.number().int().nonnegative();

/** Partial overrides of the detection policy; see {@link DEFAULT_FAILOVER_POLICY} for defaults. */
const detectionSchema = z
  .object({
    periodSeconds: z.union([z.literal(10), z.literal(30), z.literal(60), z.literal(300)]),
    evaluationPeriods: z.number().int().min(1).max(30),
    datapointsToAlarm: z.number().int().min(1).max(30),
    outlierTest: z.enum(['chi-squared', 'share']),
    chiSquaredCritical: positive,
    faultShareFactor: positive,
    faultRateThreshold: z.number().min(0).max(1),
    minRequests: z.number().int().nonnegative(),
    latencyThresholdMs: positive,
    latencyOutlierFactor: positive,
    probeFailureRateThreshold: z.number().min(0).max(1),
    probeLatencyThresholdMs: positive,
    probePeriodSeconds: z.union([z.literal(10), z.literal(30), z.literal(60)]),
    probeWindowPeriods: z.number().int().min(0).max(6),
    minProbes: z.number().int().nonnegative(),
    minAffectedTargets: z.number().int().min(1),
    capacityLossFraction: z.number().min(0).max(1),
  })
  .strict()
  .partial();

const zoneShiftSchema = z
  .object({
    cooldownMs: ms,
    hysteresisFactor: z.number().min(1),
    minRecoveryHoldMs: ms,
    shiftLeaseTtlMs: z.number().int().min(60_000),
    restoreStepsPercent: z
      .array(z.number().int().min(1).max(100))
      .min(1)
      .refine((s) => s[s.length - 1] === 100, 'the last restore step must be 100')
      .refine((s) => s.every((v, i) => i === 0 || v > s[i - 1]), 'restore steps must increase'),
    restoreStepHoldMs: ms,
    minHealthyCapacityPercent: z.number().min(0).max(100),
    maxDesiredPerCell: z.number().int().min(1),
    equalWeight: z.number().int().min(1).max(999),
    correctDrift: z.boolean(),
  })
  .strict()
  .partial();

const taskReplacerSchema = z
  .object({
    stuckTaskLimitMs: z.number().int().min(60_000),
    crashLoopStops: z.number().int().min(1),
    crashLoopWindowMs: ms,
    knownGoodAfterMs: ms,
    probeFailuresToStop: z.number().int().min(1),
    rollbackCooldownMs: ms,
    maxDesiredPerCell: z.number().int().min(1),
  })
  .strict()
  .partial();

const guardSchema = z
  .object({
    maxStopFraction: z.number().min(0).max(1),
    minStopsPerWindow: z.number().int().min(0),
    windowMs: z.number().int().min(1000),
    minHealthyPercent: z.union([z.number().min(0).max(100), z.literal('service')]),
  })
  .strict()
  .partial();

/**
 * Deploy-time settings of the failover functions (cdk.json context `bulkhead.failover`). Every
 * field is optional; the defaults are {@link DEFAULT_FAILOVER_POLICY}'s and the construct's.
 */
export const failoverConfigSchema = z
  .object({
    /** Decide and record, but never act. @default false */
    dryRun: z.boolean().optional(),
    detection: detectionSchema.optional(),
    zoneShift: zoneShiftSchema.optional(),
    taskReplacer: taskReplacerSchema.optional(),
    guard: guardSchema.optional(),
    /** How often the prober probes each target, in seconds (it runs once a minute, probing 60/interval rounds). @default 10 */
    probeIntervalSeconds: z
      .union([z.literal(5), z.literal(10), z.literal(15), z.literal(20), z.literal(30), z.literal(60)])
      .optional(),
    /**
     * Probes per target in each round. More probes give the fast path's outlier test its evidence
     * sooner: a 25% gray failure is significant over two 10-s rounds at 10 probes per target.
     * @default 10
     */
    probesPerTarget: z.number().int().min(1).max(50).optional(),
    /** The health path the prober requests. @default '/' */
    healthPath: z.string().startsWith('/').optional(),
    /** Prober HTTP timeout in ms. @default 2000 */
    probeTimeoutMs: z.number().int().min(100).max(10_000).optional(),
    /** TTL of the zone-shifter's run lease (shorter than the function timeout). @default 50_000 */
    runLeaseTtlMs: z.number().int().min(5_000).max(120_000).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const m = c.detection?.datapointsToAlarm ?? DEFAULT_FAILOVER_POLICY.detection.datapointsToAlarm;
    const n = c.detection?.evaluationPeriods ?? DEFAULT_FAILOVER_POLICY.detection.evaluationPeriods;
    if (m > n)
      ctx.addIssue({
        code: 'custom',
        message: `datapointsToAlarm (${m}) must not exceed evaluationPeriods (${n})`,
      });
  });

/** Validated failover settings. */
export type FailoverConfig = z.infer<typeof failoverConfigSchema>;

/** Merges validated overrides over the documented defaults. */
export function resolveFailoverPolicy(config: FailoverConfig = {}): FailoverPolicy {
  const d = DEFAULT_FAILOVER_POLICY;
  return {
    detection: { ...d.detection, ...config.detection },
    zoneShift: { ...d.zoneShift, ...config.zoneShift },
    taskReplacer: { ...d.taskReplacer, ...config.taskReplacer },
    guard: { ...d.guard, ...config.guard },
    dryRun: config.dryRun ?? d.dryRun,
  };
}

export {
  DEFAULT_PROBES_PER_TARGET,
  FAILOVER_CONFIG_ENV,
  type FailoverRuntimeConfig,
  failoverRuntimeSchema,
  PROBE_METRICS,
  readFailoverEnv,
  STATE_BUCKET_ENV,
} from './failover-runtime';
