import type { MetricQuery, MetricSeries } from '../ports/metrics';
import type { AzSample, PeriodSamples } from './detection';
import type { DetectionPolicy } from './failover-policy';

/**
 * The per-cell metrics detection reads, pure: which CloudWatch queries to make and how to turn
 * their series into per-period samples. Each cell's target group is one AZ, so the TargetGroup
 * dimension gives per-AZ ALB metrics; the prober's metrics carry the AZ as a dimension.
 */

/** Namespace of the prober's metrics. */
export const PROBE_NAMESPACE = 'Bulkhead';

/** `targetgroup/<name>/<id>` from a target group ARN (the CloudWatch TargetGroup dimension). */
export function targetGroupDimension(targetGroupArn: string): string {
  const at = targetGroupArn.indexOf(':targetgroup/');
  if (at < 0) throw new Error(`not a target group ARN: ${targetGroupArn}`);
  return targetGroupArn.slice(at + 1);
}

/** `app/<name>/<id>` from a listener ARN (the CloudWatch LoadBalancer dimension). */
export function loadBalancerDimension(listenerArn: string): string {
  const match = /:listener\/(app\/[^/]+\/[^/]+)\//.exec(listenerArn);
  if (!match) throw new Error(`not an application listener ARN: ${listenerArn}`);
  return match[1];
}

/** A cell as the metrics see it. */
export interface MetricCell {
  readonly az: string;
  readonly targetGroupArn: string;
}

type Field = keyof AzSample;
interface Source {
  readonly field: Field;
  readonly metric: string;
  readonly stat: MetricQuery['stat'];
  readonly scale?: number;
}
const ALB: readonly Source[] = [
  { field: 'requests', metric: 'RequestCount', stat: 'Sum' },
  { field: 'faults', metric: 'HTTPCode_Target_5XX_Count', stat: 'Sum' },
  { field: 'latencyMs', metric: 'TargetResponseTime', stat: 'Average', scale: 1000 },
  { field: 'unhealthyHosts', metric: 'UnHealthyHostCount', stat: 'Maximum' },
  { field: 'healthyHosts', metric: 'HealthyHostCount', stat: 'Maximum' },
];
const PROBE: readonly Source[] = [
  { field: 'probes', metric: 'ProbeCount', stat: 'Sum' },
  { field: 'probeFailures', metric: 'ProbeFailures', stat: 'Sum' },
  { field: 'probeFailedTargets', metric: 'ProbeFailedTargets', stat: 'Maximum' },
  { field: 'probeLatencyMs', metric: 'ProbeLatency', stat: 'Average' },
];

const queryId = (cellIndex: number, field: string): string => `c${cellIndex}_${field}`;

/**
 * The prober's Powertools service name (its POWERTOOLS_SERVICE_NAME, which lib/failover.ts sets to
 * the function's name). Powertools Metrics adds `service=<this>` to every EMF line it writes.
 */
export const PROBER_SERVICE = 'zonal-prober';

/** The dimension that carries the AZ on the prober's metrics. */
export const PROBE_AZ_DIMENSION = 'AvailabilityZone';

/**
 * Dimensions the prober itself adds to its per-AZ metrics. Powertools adds `service` on top, so
 * the metric as CloudWatch stores it has the dimensions of {@link probeDimensions}.
 */
export function probePublishedDimensions(loadBalancer: string, az: string): Record<string, string> {
  return { LoadBalancer: loadBalancer, [PROBE_AZ_DIMENSION]: az };
}

/**
 * Dimensions of the prober's whole-load-balancer totals (every AZ's probes of a round together):
 * alarms compare an AZ with "the others" as the total minus that AZ, with a fixed number of
 * metrics whatever the AZ count. Powertools adds `service`, giving {@link probeCellDimensions}.
 */
export function probePublishedTotalDimensions(loadBalancer: string): Record<string, string> {
  return { LoadBalancer: loadBalancer };
}

/** The stored dimensions of the prober's metrics other than the AZ (for readers that add the AZ themselves). */
export function probeCellDimensions(loadBalancer: string): Record<string, string> {
  return { service: PROBER_SERVICE, LoadBalancer: loadBalancer };
}

/**
 * The full dimension set of the prober's per-AZ metrics as stored in CloudWatch: every reader
 * (zone-shifter queries, the probe alarms, availability's per-AZ probe SLI) must use exactly this,
 * since CloudWatch treats any other dimension set as a different metric.
 */
export function probeDimensions(loadBalancer: string, az: string): Record<string, string> {
  return { ...probeCellDimensions(loadBalancer), [PROBE_AZ_DIMENSION]: az };
}

/** The queries for every cell: five ALB metrics per target group and four prober metrics per AZ. */
export function cellMetricQueries(
  cells: readonly MetricCell[],
  listenerArn: string,
  periodSeconds: number,
): MetricQuery[] {
  const loadBalancer = loadBalancerDimension(listenerArn);
  return cells.flatMap((cell, i) => [
    ...ALB.map((m) => ({
      id: queryId(i, m.field),
      namespace: 'AWS/ApplicationELB',
      metricName: m.metric,
      dimensions: { TargetGroup: targetGroupDimension(cell.targetGroupArn), LoadBalancer: loadBalancer },
      stat: m.stat,
      periodSeconds,
    })),
    ...probeQueries(cell, i, loadBalancer, periodSeconds),
  ]);
}

function probeQueries(
  cell: MetricCell,
  i: number,
  loadBalancer: string,
  periodSeconds: number,
): MetricQuery[] {
  return PROBE.map((m) => ({
    id: queryId(i, m.field),
    namespace: PROBE_NAMESPACE,
    metricName: m.metric,
    dimensions: probeDimensions(loadBalancer, cell.az),
    stat: m.stat,
    periodSeconds,
  }));
}

/** The prober's metrics only, for every cell (its high-resolution fast path); read with {@link seriesToPeriods}. */
export function probeMetricQueries(
  cells: readonly MetricCell[],
  listenerArn: string,
  periodSeconds: number,
): MetricQuery[] {
  const loadBalancer = loadBalancerDimension(listenerArn);
  return cells.flatMap((cell, i) => probeQueries(cell, i, loadBalancer, periodSeconds));
}

/**
 * Turns the series into one sample set per period in [startMs, endMs), oldest first. A metric
 * without a datapoint in a period leaves its field absent.
 */
export function seriesToPeriods(
  cells: readonly MetricCell[],
  series: readonly MetricSeries[],
  startMs: number,
  endMs: number,
  periodSeconds: number,
): PeriodSamples[] {
  const periodMs = periodSeconds * 1000;
  const byId = new Map(series.map((s) => [s.id, new Map(s.points.map((p) => [p.timestampMs, p.value]))]));
  const periods: PeriodSamples[] = [];
  for (let t = startMs; t + periodMs <= endMs; t += periodMs) {
    const byAz: Record<string, AzSample> = {};
    cells.forEach((cell, i) => {
      const sample: Record<string, number> = {};
      for (const m of [...ALB, ...PROBE]) {
        const value = byId.get(queryId(i, m.field))?.get(t);
        if (value !== undefined) sample[m.field] = value * (m.scale ?? 1);
      }
      byAz[cell.az] = sample as AzSample;
    });
    periods.push({ startMs: t, byAz });
  }
  return periods;
}

/**
 * The prober's per-AZ count of healthy targets (DescribeTargetHealth, re-read every probe round).
 * ALB's own HealthyHostCount is per minute only; this is the 10-s view of a cell losing its targets.
 */
export const HEALTHY_TARGETS_METRIC = 'HealthyTargets';

/**
 * The per-AZ "no healthy target" alarm (`<prefix><az>-targets`), shared by lib/failover.ts and the
 * drill's alarm mirror: the prober's {@link HEALTHY_TARGETS_METRIC} Minimum below 1 in M of N 10-s
 * periods. It only wakes the zone-shifter, which re-reads target health and applies its own rules.
 * A period without a datapoint (prober not running) is not breaching.
 */
export const NO_HEALTHY_TARGETS_ALARM = {
  metricName: HEALTHY_TARGETS_METRIC,
  statistic: 'Minimum',
  periodSeconds: 10,
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
  threshold: 1,
  comparison: 'LessThanThreshold',
} as const;

/**
 * Period and M of N of the per-AZ prober alarm (`<prefix><az>-probe`), shared by lib/failover.ts
 * and the drill's alarm mirror. With the fast path on, it breaches on every period of the fast
 * window, so it wakes the zone-shifter as soon as the pooled window can be judged; with the fast
 * path off, it uses the detection's M of N.
 */
export function probeAlarmShape(d: DetectionPolicy): {
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
} {
  return d.probeWindowPeriods > 0
    ? {
        periodSeconds: d.probePeriodSeconds,
        evaluationPeriods: d.probeWindowPeriods,
        datapointsToAlarm: d.probeWindowPeriods,
      }
    : {
        periodSeconds: d.probePeriodSeconds,
        evaluationPeriods: d.evaluationPeriods,
        datapointsToAlarm: d.datapointsToAlarm,
      };
}
