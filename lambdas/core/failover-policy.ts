/**
 * The failover policy: every threshold the zone-shifter, the task-replacer and the guard use, with
 * its default. Deploy-time config (`lambdas/config/failover.ts`) validates overrides and merges
 * them over {@link DEFAULT_FAILOVER_POLICY}; the pure cores take the merged value.
 */
export interface FailoverPolicy {
  readonly detection: DetectionPolicy;
  readonly zoneShift: ZoneShiftPolicy;
  readonly taskReplacer: TaskReplacerPolicy;
  readonly guard: GuardPolicy;
  /**
   * Decide and record, but make no mutating call.
   * @default false
   */
  readonly dryRun: boolean;
}

/** When one period of one AZ counts as "bad", and how many bad periods make an impairment. */
export interface DetectionPolicy {
  /**
   * Length of one evaluation period (ALB metrics are published per 60 s).
   * @default 60
   */
  readonly periodSeconds: number;
  /**
   * N: periods looked at. Two bad minutes out of three, each one needing a significant outlier
   * over an absolute threshold on more than one target, is already strong evidence; 3 of 5 would
   * hold an evacuation back a further minute (the ALB-metrics path must act within 3 minutes).
   * @default 3
   */
  readonly evaluationPeriods: number;
  /**
   * M: bad periods among the last N that make an AZ impaired.
   * @default 2
   */
  readonly datapointsToAlarm: number;
  /**
   * How an AZ's fault counts are compared with the other AZs': a 2×2 chi-squared test (AZ vs the
   * rest, faults vs successes), or the AZ's share of all faults against its share of requests.
   * @default 'chi-squared'
   */
  readonly outlierTest: 'chi-squared' | 'share';
  /**
   * Chi-squared critical value (1 degree of freedom); 10.83 is p = 0.001.
   * @default 10.83
   */
  readonly chiSquaredCritical: number;
  /**
   * Share test: the AZ's share of faults must reach this multiple of its share of requests.
   * @default 2
   */
  readonly faultShareFactor: number;
  /**
   * Absolute threshold: target 5xx / requests in the AZ.
   * @default 0.05
   */
  readonly faultRateThreshold: number;
  /**
   * Fewer requests than this in a period: the fault signal has no evidence.
   * @default 50
   */
  readonly minRequests: number;
  /**
   * Absolute threshold on the AZ's average TargetResponseTime, in ms.
   * @default 1000
   */
  readonly latencyThresholdMs: number;
  /**
   * Latency outlier: the AZ's latency must reach this multiple of the median of the other AZs'.
   * @default 2
   */
  readonly latencyOutlierFactor: number;
  /**
   * Absolute threshold: failed probes / probes in the AZ. Probes hit a health path from inside
   * the VPC, which should never fail in a healthy AZ, so a low share is already a signal (the
   * outlier test and "more than one target" still have to agree).
   * @default 0.1
   */
  readonly probeFailureRateThreshold: number;
  /**
   * Absolute threshold on the AZ's mean probe latency, in ms (a health path answers in a few ms).
   * @default 250
   */
  readonly probeLatencyThresholdMs: number;
  /**
   * The prober's fast path: the length of one of its periods (its metrics are high-resolution).
   * @default 10
   */
  readonly probePeriodSeconds: number;
  /**
   * The prober's fast path: how many of its latest periods are pooled and judged as one, like a
   * period (outlier, absolute threshold, more than one target). A bad pooled window makes the AZ
   * impaired at once, without waiting for M of N one-minute periods; 0 turns the fast path off.
   * Pooling is what gives the outlier test enough probes to be significant.
   * @default 2
   */
  readonly probeWindowPeriods: number;
  /**
   * Fewer probes than this in a period: the probe signal has no evidence.
   * @default 3
   */
  readonly minProbes: number;
  /**
   * "More than one target affected": unhealthy or probe-failing targets needed.
   * @default 2
   */
  readonly minAffectedTargets: number;
  /**
   * Lost capacity: the AZ's healthy targets at most this fraction of the other AZs' median (and,
   * as always, more than one target short). Under equal weights a cell that lost half its tasks
   * still gets its full share of requests, so moving its traffic beats leaving it overloaded.
   * @default 0.5
   */
  readonly capacityLossFraction: number;
}

/** Rules for moving traffic between AZs. */
export interface ZoneShiftPolicy {
  /**
   * Minimum time between two zone-shifter actions (evacuate, each restore step).
   * @default 300_000 (5 min)
   */
  readonly cooldownMs: number;
  /**
   * Recovery must hold for this multiple of the time detection took (strictly longer).
   * @default 2
   */
  readonly hysteresisFactor: number;
  /**
   * Recovery must hold at least this long, whatever detection took.
   * @default 600_000 (10 min)
   */
  readonly minRecoveryHoldMs: number;
  /**
   * An evacuation expires unless a run re-confirms the impairment within this time, so a dead
   * controller or a dead signal cannot pin traffic away forever.
   * @default 1_800_000 (30 min)
   */
  readonly shiftLeaseTtlMs: number;
  /**
   * Restore ramp: the recovering AZ's weight as a percentage of the equal weight, one step per hold.
   * The last step must be 100.
   * @default [10, 50, 100]
   */
  readonly restoreStepsPercent: readonly number[];
  /**
   * How long each restore step is held before the next (at least the cooldown).
   * @default 300_000 (5 min)
   */
  readonly restoreStepHoldMs: number;
  /**
   * Evacuate only if the other cells' running tasks are at least this percentage of the whole
   * service's desired count (the scale-ups take about a minute to land).
   * @default 50
   */
  readonly minHealthyCapacityPercent: number;
  /**
   * Scale-ups never raise a cell's desired count above this.
   * @default 50
   */
  readonly maxDesiredPerCell: number;
  /**
   * The weight every in-service cell gets (ALB weights are 0–999).
   * @default 100
   */
  readonly equalWeight: number;
  /**
   * A listener whose weights differ from what Bulkhead last wrote was changed by hand. By default
   * Bulkhead logs the drift and stands back; with `true` it rewrites the weights it expects.
   * @default false
   */
  readonly correctDrift: boolean;
}

/** Rules for the task-replacer's three cases. */
export interface TaskReplacerPolicy {
  /**
   * A task in PROVISIONING or PENDING longer than this is stuck (lost capacity).
   * @default 300_000 (5 min)
   */
  readonly stuckTaskLimitMs: number;
  /**
   * Crash loop: this many tasks of the current task definition exited on their own…
   * @default 3
   */
  readonly crashLoopStops: number;
  /**
   * …within this window after the deployment completed.
   * @default 600_000 (10 min)
   */
  readonly crashLoopWindowMs: number;
  /**
   * A task definition becomes "known good" after its deployment completed and the cell ran at
   * its desired count without crash stops for this long.
   * @default 600_000 (10 min)
   */
  readonly knownGoodAfterMs: number;
  /**
   * Consecutive failed probes before a target that ELB calls healthy is stopped.
   * @default 3
   */
  readonly probeFailuresToStop: number;
  /**
   * Minimum time between two rollbacks of one service.
   * @default 1_800_000 (30 min)
   */
  readonly rollbackCooldownMs: number;
  /**
   * Raising desired counts never goes above this per cell.
   * @default 50
   */
  readonly maxDesiredPerCell: number;
}

/** The stop guard: caps task stops per service per window. */
export interface GuardPolicy {
  /**
   * At most this fraction of a cell's tasks (its desired count) stopped per window…
   * @default 0.1
   */
  readonly maxStopFraction: number;
  /**
   * …but always allow at least this many.
   * @default 1
   */
  readonly minStopsPerWindow: number;
  /**
   * @default 300_000 (5 min)
   */
  readonly windowMs: number;
  /**
   * Running tasks never go below this percentage of the cell's desired count; `'service'` uses the
   * service's own deployment `minimumHealthyPercent`. Not `'service'` by default: Bulkhead's cells
   * deploy with 100% (replace before stopping), which would forbid ever stopping a running task that
   * ELB calls healthy but the prober sees failing; 50 keeps at least half of every cell running.
   * @default 50
   */
  readonly minHealthyPercent: number | 'service';
}

/** The documented defaults. */
export const DEFAULT_FAILOVER_POLICY: FailoverPolicy = {
  detection: {
    periodSeconds: 60,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    outlierTest: 'chi-squared',
    chiSquaredCritical: 10.83,
    faultShareFactor: 2,
    faultRateThreshold: 0.05,
    minRequests: 50,
    latencyThresholdMs: 1000,
    latencyOutlierFactor: 2,
    probeFailureRateThreshold: 0.1,
    probeLatencyThresholdMs: 250,
    probePeriodSeconds: 10,
    probeWindowPeriods: 2,
    minProbes: 3,
    minAffectedTargets: 2,
    capacityLossFraction: 0.5,
  },
  zoneShift: {
    cooldownMs: 300_000,
    hysteresisFactor: 2,
    minRecoveryHoldMs: 600_000,
    shiftLeaseTtlMs: 1_800_000,
    restoreStepsPercent: [10, 50, 100],
    restoreStepHoldMs: 300_000,
    minHealthyCapacityPercent: 50,
    maxDesiredPerCell: 50,
    equalWeight: 100,
    correctDrift: false,
  },
  taskReplacer: {
    stuckTaskLimitMs: 300_000,
    crashLoopStops: 3,
    crashLoopWindowMs: 600_000,
    knownGoodAfterMs: 600_000,
    probeFailuresToStop: 3,
    rollbackCooldownMs: 1_800_000,
    maxDesiredPerCell: 50,
  },
  guard: {
    maxStopFraction: 0.1,
    minStopsPerWindow: 1,
    windowMs: 300_000,
    minHealthyPercent: 50,
  },
  dryRun: false,
};

/** The marker every Bulkhead StopTask reason starts with, so later runs can count their own stops. */
export const STOP_REASON_MARKER = '[bulkhead]';
