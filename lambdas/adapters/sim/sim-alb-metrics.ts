import type { SimMetricStore } from './sim-metric-store';

const ALB_NAMESPACE = 'AWS/ApplicationELB';

/** What the ALB counts during one metric period, per target group. */
export interface PeriodAccumulator {
  requests: number;
  target2xx: number;
  target5xx: number;
  elb5xx: number;
  latencySum: number;
  latencyCount: number;
  latencyMin: number;
  latencyMax: number;
  healthy: number[];
  unhealthy: number[];
}

/** A fresh accumulator for the next period. */
export function emptyAccumulator(): PeriodAccumulator {
  return {
    requests: 0,
    target2xx: 0,
    target5xx: 0,
    elb5xx: 0,
    latencySum: 0,
    latencyCount: 0,
    latencyMin: Number.POSITIVE_INFINITY,
    latencyMax: 0,
    healthy: [],
    unhealthy: [],
  };
}

/** A target group's share of one ALB metric period. */
export interface TargetGroupPeriod {
  /** The CloudWatch `TargetGroup` dimension value. */
  readonly dimension: string;
  /** AZ of a zonal cell's target group: its metrics get a set with `AvailabilityZone` too. */
  readonly az?: string;
  readonly acc: PeriodAccumulator;
}

/** One ALB metric period, ready to publish. */
export interface AlbPeriod {
  /** Start of the period (datapoints are stamped with it). */
  readonly startMs: number;
  /** When the datapoints become readable: the period's end plus the ingestion delay. */
  readonly visibleAt: number;
  /** The CloudWatch `LoadBalancer` dimension value. */
  readonly loadBalancer: string;
  /** ELB 503s for lack of any target: no target group's accumulator holds them. */
  readonly elb5xxNoTarget: number;
  readonly targetGroups: readonly TargetGroupPeriod[];
  /** The load balancer's TargetResponseTime maximum: the request timeout. */
  readonly requestTimeoutMs: number;
}

/**
 * Publishes one ALB metric period as CloudWatch receives it from the ALB: ELB 5xx by load balancer
 * and by ALB-node AZ, the load balancer's aggregates, and each target group's metrics (by AZ too for
 * a zonal group).
 */
export function publishAlbPeriod(metrics: SimMetricStore, period: AlbPeriod): void {
  const { startMs, visibleAt, loadBalancer, targetGroups } = period;
  // HTTPCode_ELB_5XX_Count has no TargetGroup dimension: it is the load balancer's.
  let elb5xx = period.elb5xxNoTarget;
  for (const tg of targetGroups) elb5xx += tg.acc.elb5xx;
  // By LoadBalancer + AvailabilityZone too: that AZ is the ALB node's, and DNS spreads clients
  // evenly over the nodes, so each node's share is even (cross-zone routing sends them anywhere).
  const nodeAzs = [...new Set(targetGroups.flatMap((tg) => (tg.az ? [tg.az] : [])))];
  if (elb5xx > 0)
    for (const [i, az] of nodeAzs.entries()) {
      const share = Math.floor(elb5xx / nodeAzs.length) + (i < elb5xx % nodeAzs.length ? 1 : 0);
      if (share > 0)
        metrics.publish(
          {
            namespace: ALB_NAMESPACE,
            metricName: 'HTTPCode_ELB_5XX_Count',
            dimensions: { LoadBalancer: loadBalancer, AvailabilityZone: az },
          },
          startMs,
          { sum: share, count: 1, min: share, max: share },
          visibleAt,
        );
    }
  if (elb5xx > 0)
    metrics.publish(
      {
        namespace: ALB_NAMESPACE,
        metricName: 'HTTPCode_ELB_5XX_Count',
        dimensions: { LoadBalancer: loadBalancer },
      },
      startMs,
      { sum: elb5xx, count: 1, min: elb5xx, max: elb5xx },
      visibleAt,
    );
  // The load balancer's own aggregates (LoadBalancer dimension only), as alarms compare a cell with them.
  const lbDims = { LoadBalancer: loadBalancer };
  let lbRequests = 0;
  let lbTarget5xx = 0;
  let lbLatencySum = 0;
  let lbLatencyCount = 0;
  for (const tg of targetGroups) {
    lbRequests += tg.acc.requests;
    lbTarget5xx += tg.acc.target5xx;
    lbLatencySum += tg.acc.latencySum;
    lbLatencyCount += tg.acc.latencyCount;
  }
  for (const [metricName, value] of [
    ['RequestCount', lbRequests],
    ['HTTPCode_Target_5XX_Count', lbTarget5xx],
  ] as const)
    if (value > 0)
      metrics.publish(
        { namespace: ALB_NAMESPACE, metricName, dimensions: lbDims },
        startMs,
        { sum: value, count: 1, min: value, max: value },
        visibleAt,
      );
  if (lbLatencyCount > 0)
    metrics.publish(
      { namespace: ALB_NAMESPACE, metricName: 'TargetResponseTime', dimensions: lbDims },
      startMs,
      { sum: lbLatencySum / 1000, count: lbLatencyCount, min: 0, max: period.requestTimeoutMs / 1000 },
      visibleAt,
    );
  for (const tg of targetGroups) {
    const a = tg.acc;
    const dimSets: Record<string, string>[] = [
      { TargetGroup: tg.dimension, LoadBalancer: loadBalancer },
      ...(tg.az ? [{ TargetGroup: tg.dimension, LoadBalancer: loadBalancer, AvailabilityZone: tg.az }] : []),
    ];
    const count = (name: string, value: number) => {
      // The ALB reports count metrics only for periods where they are non-zero.
      if (value <= 0) return;
      for (const dimensions of dimSets)
        metrics.publish(
          { namespace: ALB_NAMESPACE, metricName: name, dimensions },
          startMs,
          { sum: value, count: 1, min: value, max: value },
          visibleAt,
        );
    };
    count('RequestCount', a.requests);
    count('HTTPCode_Target_2XX_Count', a.target2xx);
    count('HTTPCode_Target_5XX_Count', a.target5xx);
    for (const dimensions of dimSets) {
      if (a.latencyCount > 0)
        metrics.publish(
          { namespace: ALB_NAMESPACE, metricName: 'TargetResponseTime', dimensions },
          startMs,
          {
            sum: a.latencySum / 1000,
            count: a.latencyCount,
            min: a.latencyMin / 1000,
            max: a.latencyMax / 1000,
          },
          visibleAt,
        );
      for (const [name, samples] of [
        ['HealthyHostCount', a.healthy],
        ['UnHealthyHostCount', a.unhealthy],
      ] as const) {
        if (samples.length === 0) continue;
        metrics.publish(
          { namespace: ALB_NAMESPACE, metricName: name, dimensions },
          startMs,
          {
            sum: samples.reduce((x, y) => x + y, 0),
            count: samples.length,
            min: Math.min(...samples),
            max: Math.max(...samples),
          },
          visibleAt,
        );
      }
    }
  }
}
