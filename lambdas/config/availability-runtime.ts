import * as z from 'zod/mini';
import { scopeSchema } from '../core/availability/incident';
import { parseJsonEnv, requireEnv } from './json-env';

/**
 * The availability function's runtime config: env vars, metric names, and the schema of the JSON
 * the construct puts in {@link AVAILABILITY_CONFIG_ENV}. zod/mini, because this is in the Lambda
 * bundle (classic zod, which the deploy-time schema in `availability.ts` uses, added 417 KB to it).
 */

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

/** A number strictly between 0 and 1. */
const openFraction = () => z.number().check(z.gt(0), z.lt(1));

/**
 * The probe and incident settings that cdk.json (`bulkhead.availability`, each optional there, with
 * its default in `AVAILABILITY_DEFAULTS`) passes through to the runtime config unchanged: the one
 * definition of their bounds, shared by the deploy-time schema and {@link availabilityRuntimeSchema}.
 */
export const availabilitySettingFields = {
  /** Probes sent per run. */
  probesPerRun: z.int().check(z.minimum(1), z.maximum(20)),
  /** Probe timeout in milliseconds. */
  probeTimeoutMs: z.int().check(z.minimum(100), z.maximum(10_000)),
  /** A minute is bad for the request SLI above this 5xx ratio. */
  errorRatioThreshold: openFraction(),
  /** Fewer valid requests than this in a minute say nothing (unknown, not good). */
  minRequestsPerMinute: z.int().check(z.minimum(1)),
  /** A minute is bad for a probe SLI above this failure ratio. */
  probeFailureThreshold: openFraction(),
  /** Consecutive bad minutes that open an incident. */
  openAfterMinutes: z.int().check(z.minimum(1), z.maximum(10)),
  /** Consecutive good minutes that close it. */
  closeAfterMinutes: z.int().check(z.minimum(1), z.maximum(30)),
};

/** Values of the {@link availabilitySettingFields}. */
export type AvailabilitySettings = {
  [K in keyof typeof availabilitySettingFields]: z.output<(typeof availabilitySettingFields)[K]>;
};

/** Just the {@link availabilitySettingFields} of a resolved config, for the runtime config. */
export function pickAvailabilitySettings(config: AvailabilitySettings): AvailabilitySettings {
  const keys = Object.keys(availabilitySettingFields) as (keyof AvailabilitySettings)[];
  return Object.fromEntries(keys.map((k) => [k, config[k]])) as AvailabilitySettings;
}

/** One cell as the availability function reads its ALB metrics. */
export const availabilityCellSchema = z.object({
  az: z.string().check(z.regex(/^[a-z0-9-]+$/)),
  /** The `TargetGroup` dimension value, `targetgroup/<name>/<id>`. */
  targetGroup: z.string().check(z.startsWith('targetgroup/')),
  /** The target group's ARN, to match the listener's weights to the AZ. */
  targetGroupArn: z.optional(z.string().check(z.startsWith('arn:'))),
});

/** Where the failover work's zonal prober publishes per-AZ probe counts (a seam; optional). */
export const zonalProbeSchema = z.object({
  namespace: z.string().check(z.minLength(1)),
  countMetric: z.string().check(z.minLength(1)),
  failuresMetric: z.string().check(z.minLength(1)),
  /** Dimensions common to every AZ's series (e.g. `{ service: 'bulkhead-prober' }`). */
  dimensions: z.record(z.string(), z.string()),
  /** The dimension whose value is the AZ name. */
  azDimension: z.string().check(z.minLength(1)),
});

/** Runtime config of the availability function, passed as JSON in {@link AVAILABILITY_CONFIG_ENV}. */
export const availabilityRuntimeSchema = z.object({
  /** The `Service` dimension of published metrics. */
  serviceName: z.string().check(z.minLength(1)),
  /** The `LoadBalancer` dimension value, `app/<name>/<id>`. */
  loadBalancer: z.string().check(z.startsWith('app/')),
  cells: z.array(availabilityCellSchema).check(z.minLength(1), z.maxLength(5)),
  /** SLO as a fraction, e.g. 0.999. */
  slo: openFraction(),
  sloWindow: z.string().check(z.regex(/^[1-9][0-9]*d$/)),
  /** The weighted listener; when set, the per-AZ weights are published for the dashboard. */
  listenerArn: z.optional(z.string().check(z.startsWith('arn:'))),
  /** End-to-end probe URL through the ALB; absent when the probe is off. */
  probeUrl: z.optional(z.url()),
  ...availabilitySettingFields,
  /** Minutes examined for opening and closing incidents, each run. @default 15 */
  lookbackMinutes: z._default(z.int().check(z.minimum(5), z.maximum(360)), 15),
  /** ALB metrics arrive late; the newest minutes are left out. @default 2 */
  metricLagMinutes: z._default(z.int().check(z.minimum(0), z.maximum(10)), 2),
  /** Alarm names whose state changes open and close incidents, with the scope each is about. */
  incidentAlarms: z._default(z.record(z.string(), scopeSchema), {}),
  zonalProbe: z.optional(zonalProbeSchema),
});

/** Validated runtime config (defaults applied). */
export type AvailabilityRuntimeConfig = z.infer<typeof availabilityRuntimeSchema>;

/** Reads and validates the runtime config from an environment; throws with the bad field and value named. */
export function readAvailabilityEnv(env: Readonly<Record<string, string | undefined>>): {
  config: AvailabilityRuntimeConfig;
  stateBucket: string;
} {
  const raw = requireEnv(env, AVAILABILITY_CONFIG_ENV);
  const stateBucket = requireEnv(env, AVAILABILITY_BUCKET_ENV);
  return { config: parseJsonEnv(AVAILABILITY_CONFIG_ENV, raw, availabilityRuntimeSchema), stateBucket };
}
