import { z } from 'zod';
import { parseJsonEnv, requireEnv } from './json-env';

const scopeSchema = z
  .string()
  .regex(/^(service|az:[a-z0-9-]+)$/, 'scope must be "service" or "az:<zone name>"') as z.ZodType<
  'service' | `az:${string}`
>;

/**
 * Deploy-time settings of the availability function (cdk.json context `bulkhead.availability`).
 * Every field is optional; defaults are named on each field.
 */
export const availabilityConfigSchema = z
  .object({
    /** How often the function runs, in minutes. @default 1 */
    scheduleMinutes: z.union([z.literal(1), z.literal(5)]).optional(),
    /** The availability objective, in percent, e.g. 99.9. @default 99.9 */
    sloPercent: z.number().gt(0).lt(100).optional(),
    /** The SLO window in days (error budget period). @default 30 */
    sloWindowDays: z.number().int().min(1).max(90).optional(),
    /** An email address subscribed to the burn-rate alarm topic. @default none */
    alarmEmail: z.email().optional(),
    /** Path of the end-to-end probe through the ALB; `false` turns the probe off. @default '/' */
    probePath: z.union([z.string().startsWith('/'), z.literal(false)]).optional(),
    /** Probes sent per run. @default 3 */
    probesPerRun: z.number().int().min(1).max(20).optional(),
    /** Probe timeout in milliseconds. @default 2000 */
    probeTimeoutMs: z.number().int().min(100).max(10_000).optional(),
    /** A minute is bad for the request SLI above this 5xx ratio. @default 0.05 */
    errorRatioThreshold: z.number().gt(0).lt(1).optional(),
    /** Fewer valid requests than this in a minute say nothing (unknown, not good). @default 10 */
    minRequestsPerMinute: z.number().int().min(1).optional(),
    /** A minute is bad for a probe SLI above this failure ratio. @default 0.5 */
    probeFailureThreshold: z.number().gt(0).lt(1).optional(),
    /** Consecutive bad minutes that open an incident. @default 2 */
    openAfterMinutes: z.number().int().min(1).max(10).optional(),
    /** Consecutive good minutes that close it. @default 3 */
    closeAfterMinutes: z.number().int().min(1).max(30).optional(),
  })
  .strict();

/** Validated availability settings. */
export type AvailabilityConfig = z.infer<typeof availabilityConfigSchema>;

/** Defaults of {@link AvailabilityConfig}, resolved in one place for the construct and the function. */
export const AVAILABILITY_DEFAULTS = {
  scheduleMinutes: 1,
  sloPercent: 99.9,
  sloWindowDays: 30,
  probePath: '/',
  probesPerRun: 3,
  probeTimeoutMs: 2000,
  errorRatioThreshold: 0.05,
  minRequestsPerMinute: 10,
  probeFailureThreshold: 0.5,
  openAfterMinutes: 2,
  closeAfterMinutes: 3,
} as const;

/** Env var holding the function's runtime config (JSON, {@link availabilityRuntimeSchema}). */
export const AVAILABILITY_CONFIG_ENV = 'BULKHEAD_AVAILABILITY_CONFIG';
/** Env var holding the state bucket's name (incident log and audit records). */
export const AVAILABILITY_BUCKET_ENV = 'BULKHEAD_STATE_BUCKET';
/**
 * The Powertools service name of the availability function. Powertools adds it to every EMF metric
 * as the `service` dimension, so alarms and dashboard widgets must name it too.
 */
export const AVAILABILITY_METRICS_SERVICE = 'bulkhead-availability';

/** Metric names the availability function publishes (namespace `Bulkhead`). */
export const AVAILABILITY_METRICS = {
  timeAvailability: 'TimeAvailability',
  requestAvailability: 'RequestAvailability',
  probeAvailability: 'ProbeAvailability',
  mtbf: 'Mtbf',
  mttr: 'Mttr',
  mttd: 'Mttd',
  mttm: 'TimeToMitigate',
  incidents: 'IncidentCount',
  openIncidents: 'OpenIncidents',
  unobserved: 'UnobservedTime',
  budgetRemaining: 'ErrorBudgetRemaining',
  burnRate: 'BurnRate',
  findings: 'IncidentLogFindings',
  probeCount: 'EndToEndProbeCount',
  probeFailures: 'EndToEndProbeFailures',
  probeLatency: 'EndToEndProbeLatency',
  listenerWeight: 'ListenerWeight',
  listenerWeightShare: 'ListenerWeightShare',
} as const;

/** One cell as the availability function reads its ALB metrics. */
export const availabilityCellSchema = z.object({
  az: z.string().regex(/^[a-z0-9-]+$/),
  /** The `TargetGroup` dimension value, `targetgroup/<name>/<id>`. */
  targetGroup: z.string().startsWith('targetgroup/'),
  /** The target group's ARN, to match the listener's weights to the AZ. */
  targetGroupArn: z.string().startsWith('arn:').optional(),
});

/** Where the failover work's zonal prober publishes per-AZ probe counts (a seam; optional). */
export const zonalProbeSchema = z.object({
  namespace: z.string().min(1),
  countMetric: z.string().min(1),
  failuresMetric: z.string().min(1),
  /** Dimensions common to every AZ's series (e.g. `{ service: 'bulkhead-prober' }`). */
  dimensions: z.record(z.string(), z.string()),
  /** The dimension whose value is the AZ name. */
  azDimension: z.string().min(1),
});

/** Runtime config of the availability function, passed as JSON in {@link AVAILABILITY_CONFIG_ENV}. */
export const availabilityRuntimeSchema = z.object({
  /** The `Service` dimension of published metrics. */
  serviceName: z.string().min(1),
  /** The `LoadBalancer` dimension value, `app/<name>/<id>`. */
  loadBalancer: z.string().startsWith('app/'),
  cells: z.array(availabilityCellSchema).min(1).max(5),
  /** SLO as a fraction, e.g. 0.999. */
  slo: z.number().gt(0).lt(1),
  sloWindow: z.string().regex(/^[1-9][0-9]*d$/),
  /** The weighted listener; when set, the per-AZ weights are published for the dashboard. */
  listenerArn: z.string().startsWith('arn:').optional(),
  /** End-to-end probe URL through the ALB; absent when the probe is off. */
  probeUrl: z.url().optional(),
  probesPerRun: z.number().int().min(1),
  probeTimeoutMs: z.number().int().min(1),
  errorRatioThreshold: z.number().gt(0).lt(1),
  minRequestsPerMinute: z.number().int().min(1),
  probeFailureThreshold: z.number().gt(0).lt(1),
  openAfterMinutes: z.number().int().min(1),
  closeAfterMinutes: z.number().int().min(1),
  /** Minutes examined for opening and closing incidents, each run. @default 15 */
  lookbackMinutes: z.number().int().min(5).max(360).default(15),
  /** ALB metrics arrive late; the newest minutes are left out. @default 2 */
  metricLagMinutes: z.number().int().min(0).max(10).default(2),
  /** Alarm names whose state changes open and close incidents, with the scope each is about. */
  incidentAlarms: z.record(z.string(), scopeSchema).default({}),
  zonalProbe: zonalProbeSchema.optional(),
});

/** Validated runtime config (defaults applied). */
export type AvailabilityRuntimeConfig = z.infer<typeof availabilityRuntimeSchema>;

/** Reads and validates the runtime config from an environment; throws with the bad value named. */
export function readAvailabilityEnv(env: Readonly<Record<string, string | undefined>>): {
  config: AvailabilityRuntimeConfig;
  stateBucket: string;
} {
  const raw = requireEnv(env, AVAILABILITY_CONFIG_ENV);
  const stateBucket = requireEnv(env, AVAILABILITY_BUCKET_ENV);
  return { config: parseJsonEnv(AVAILABILITY_CONFIG_ENV, raw, availabilityRuntimeSchema), stateBucket };
}
