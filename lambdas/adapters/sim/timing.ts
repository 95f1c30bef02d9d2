/**
 * The simulated region's timings. Every default comes from the timing table in DESIGN.md; the
 * sources are cited next to each value. Values with no published figure are marked ASSUMPTION and
 * exposed as knobs so a drill can be rerun with other values.
 */
export interface HealthCheckSettings {
  /** Seconds between health checks of one target (ALB: 5–300). */
  readonly intervalS: number;
  /** Consecutive failures before a target is unhealthy (ALB: 2–10). */
  readonly unhealthyThreshold: number;
  /** Consecutive successes before a target is healthy (ALB: 2–10). */
  readonly healthyThreshold: number;
}

/** Tunable timings of the simulated region. */
export interface SimTiming {
  /**
   * Fargate task start latency range, seconds (PROVISIONING → RUNNING).
   * Source: DESIGN.md timing table, "Fargate task start: typically 50–60 s for a mid-size image".
   * @default [50, 60]
   */
  readonly taskStartS: readonly [number, number];
  /**
   * Seconds a task spends in PROVISIONING (ENI attachment) before PENDING. ASSUMPTION: AWS
   * publishes no split; only the total start latency above matters to the drill's figures.
   * @default 10
   */
  readonly provisioningS: number;
  /**
   * Seconds between STOPPING and STOPPED (SIGTERM → container exit). ECS's default stopTimeout is 30 s;
   * a well-behaved web server exits at once. ASSUMPTION: 2 s.
   * @default 2
   */
  readonly stoppingS: number;
  /**
   * ECS failed-launch backoff: the delay after the n-th consecutive failed launch is
   * min(cap, base × 2^(n−1)). Source for the cap: ECS service throttle logic, "up to 27 minutes"
   * (DESIGN.md). ASSUMPTION: the base and the doubling (AWS documents only "incrementally increased").
   * @default { baseS: 10, capS: 1620 }
   */
  readonly launchBackoff: { readonly baseS: number; readonly capS: number };
  /**
   * Deployment circuit breaker threshold: clamp(ceil(factor × desired), min, max) failed tasks.
   * Source: DESIGN.md, "0.5 × desired count, min 3, max 200".
   */
  readonly circuitBreaker: { readonly factor: number; readonly min: number; readonly max: number };
  /**
   * ALB metrics period, seconds. Source: DESIGN.md, "ALB metrics: published every 60 s".
   * @default 60
   */
  readonly albMetricPeriodS: number;
  /**
   * Extra delay before an ALB datapoint becomes readable after its period ends. ASSUMPTION: 0 (no
   * published figure; real ingestion lag only lengthens Bulkhead's ALB-metric detection).
   * @default 0
   */
  readonly albMetricDelayS: number;
  /**
   * Interval of the zonal prober, seconds. Source: DESIGN.md, "High-resolution alarm period 10 s".
   * @default 10
   */
  readonly proberIntervalS: number;
  /**
   * EventBridge delivery latency range, seconds. ASSUMPTION: EventBridge publishes no SLA; typical
   * delivery is sub-second, so the sim delivers on the next 1-second tick.
   * @default [0, 1]
   */
  readonly eventDeliveryS: readonly [number, number];
  /**
   * Seconds from a target turning unhealthy to ECS stopping its task. ASSUMPTION: ECS acts on ELB
   * health "promptly" with no published figure; 10 s.
   * @default 10
   */
  readonly ecsUnhealthyStopDelayS: number;
  /** Base latency of a healthy request, milliseconds. ASSUMPTION. @default 40 */
  readonly baseLatencyMs: number;
  /** A request slower than this counts as failed (the client's timeout). ASSUMPTION. @default 5000 */
  readonly requestTimeoutMs: number;
}

/** The defaults, with the sources above. */
export const DEFAULT_TIMING: SimTiming = {
  taskStartS: [50, 60],
  provisioningS: 10,
  stoppingS: 2,
  launchBackoff: { baseS: 10, capS: 27 * 60 },
  circuitBreaker: { factor: 0.5, min: 3, max: 200 },
  albMetricPeriodS: 60,
  albMetricDelayS: 0,
  proberIntervalS: 10,
  eventDeliveryS: [0, 1],
  ecsUnhealthyStopDelayS: 10,
  baseLatencyMs: 40,
  requestTimeoutMs: 5000,
};

/**
 * ALB's own defaults. Source: DESIGN.md timing table (interval default 30 s; unhealthy threshold
 * default 2; healthy threshold default 5). The baseline uses these: a plain ECS service whose team
 * did not tune health checks.
 */
export const ALB_DEFAULT_HEALTH_CHECK: HealthCheckSettings = {
  intervalS: 30,
  unhealthyThreshold: 2,
  healthyThreshold: 5,
};

/** ALB's default deregistration delay, seconds (DESIGN.md: default 300 s). */
export const ALB_DEFAULT_DEREGISTRATION_DELAY_S = 300;

/** ALB API limits the simulated region enforces (ELBv2 CreateListener/ModifyListener). */
export const ALB_LIMITS = { minWeight: 0, maxWeight: 999, maxTargetGroupsPerForward: 5 } as const;

/** ECS limits the simulated region enforces. Source: ECS service quotas, "tasks per service: 5,000". */
export const ECS_LIMITS = { maxDesiredCount: 5000 } as const;
