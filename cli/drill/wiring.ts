import type { EventBridgeEvent, TaskStateDetail } from '../../lambdas/adapters/sim/aws-events';
import type { SimMetricStore } from '../../lambdas/adapters/sim/sim-metric-store';
import type { SimAlarmDefinition } from '../../lambdas/adapters/sim/sim-region';
import { createAvailabilityHandler } from '../../lambdas/availability/function';
import { AVAILABILITY_DEFAULTS } from '../../lambdas/config/availability';
import {
  AVAILABILITY_METRICS_SERVICE,
  availabilityRuntimeSchema,
  pickAvailabilitySettings,
} from '../../lambdas/config/availability-runtime';
import {
  DEFAULT_PROBES_PER_TARGET,
  type FailoverRuntimeConfig,
  failoverRuntimeSchema,
  resolveFailoverPolicy,
} from '../../lambdas/config/failover';
import {
  loadBalancerDimension,
  NO_HEALTHY_TARGETS_ALARM,
  PROBE_AZ_DIMENSION,
  PROBE_NAMESPACE,
  probeAlarmShape,
  probeCellDimensions,
  probeDimensions,
  targetGroupDimension,
} from '../../lambdas/core/cell-metrics';
import { affectedTargetsNeeded } from '../../lambdas/core/detection';
import { impairmentAlarmName } from '../../lambdas/core/failover-events';
import type { MetricQuery } from '../../lambdas/ports/metrics';
import { createTaskReplacerHandler } from '../../lambdas/task-replacer/function';
import { createZonalProberHandler } from '../../lambdas/zonal-prober/function';
import { createZoneShifterHandler } from '../../lambdas/zone-shifter/function';
import type { BulkheadWiring, DrillContext, HandlerBinding, Integration } from './bindings';
import { PowertoolsDimensionSink } from './powertools-sink';
import { SimHttpProbe, SimUrlProbe } from './sim-probes';

/** Prefix of the per-AZ impairment alarms (`<prefix><az>-alb`, `<prefix><az>-probe`). */
export const DRILL_ALARM_PREFIX = 'Bulkhead-az-';

/**
 * The failover functions' runtime config as the stack passes it: the cells, the listener, and the
 * policy resolved from an empty `bulkhead.failover` context (every default).
 */
export function failoverRuntimeConfig(ctx: DrillContext): FailoverRuntimeConfig {
  const { topology } = ctx;
  const { region } = topology;
  return failoverRuntimeSchema.parse({
    clusterName: region.clusterName,
    clusterArn: region.clusterArn,
    listenerArn: topology.listenerArn,
    alarmPrefix: DRILL_ALARM_PREFIX,
    cells: topology.cells.map((c) => ({
      az: c.az,
      serviceName: c.serviceName,
      targetGroupArn: c.targetGroupArn,
    })),
    policy: resolveFailoverPolicy({}),
    healthPath: '/',
    probeIntervalSeconds: 10,
    probesPerTarget: DEFAULT_PROBES_PER_TARGET,
    probeTimeoutMs: 2000,
    runLeaseTtlMs: 50_000,
  });
}

/** One metric's statistic over the single alarm period starting at `start` (undefined: no datapoint). */
function periodValue(
  m: SimMetricStore,
  start: number,
  periodSeconds: number,
  q: Omit<MetricQuery, 'id' | 'periodSeconds'>,
): number | undefined {
  return m.query({ id: 'x', ...q, periodSeconds }, start, start + periodSeconds * 1000)[0]?.value;
}

/** {@link periodValue} with an absent datapoint read as the construct's expression reads it: FILL(x, 0). */
function filledReader(m: SimMetricStore, start: number, periodSeconds: number) {
  return (
    namespace: string,
    metricName: string,
    stat: MetricQuery['stat'],
    dimensions: Record<string, string>,
  ): number => periodValue(m, start, periodSeconds, { namespace, metricName, stat, dimensions }) ?? 0;
}

/**
 * The per-AZ impairment alarms exactly as lib/failover.ts defines them (metric math, M of N, missing
 * data not breaching): an ALB alarm on the detection period and a prober alarm on 10-s periods.
 */
export function impairmentAlarms(
  ctx: Pick<DrillContext, 'scenario'>,
  config: FailoverRuntimeConfig,
): SimAlarmDefinition[] {
  const d = config.policy.detection;
  const lb = loadBalancerDimension(config.listenerArn);
  const alarms: SimAlarmDefinition[] = [];
  for (const cell of config.cells) {
    const tg = { TargetGroup: targetGroupDimension(cell.targetGroupArn), LoadBalancer: lb };
    const lbOnly = { LoadBalancer: lb };
    alarms.push({
      name: impairmentAlarmName(config.alarmPrefix, cell.az, 'alb'),
      description: `${cell.az} looks impaired (ALB 5xx/latency outlier, more than one target affected, ${d.datapointsToAlarm} of ${d.evaluationPeriods})`,
      periodS: d.periodSeconds,
      evaluationPeriods: d.evaluationPeriods,
      datapointsToAlarm: d.datapointsToAlarm,
      threshold: 1,
      comparison: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
      value: (m, start, period) => {
        const v = filledReader(m, start, period);
        const req = v('AWS/ApplicationELB', 'RequestCount', 'Sum', tg);
        const f = v('AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', 'Sum', tg);
        const lat = v('AWS/ApplicationELB', 'TargetResponseTime', 'Average', tg);
        const unh = v('AWS/ApplicationELB', 'UnHealthyHostCount', 'Maximum', tg);
        const hh = periodValue(m, start, period, {
          namespace: 'AWS/ApplicationELB',
          metricName: 'HealthyHostCount',
          stat: 'Maximum',
          dimensions: tg,
        });
        const reqlb = v('AWS/ApplicationELB', 'RequestCount', 'Sum', lbOnly);
        const flb = v('AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', 'Sum', lbOnly);
        const latlb = v('AWS/ApplicationELB', 'TargetResponseTime', 'Average', lbOnly);
        const pft = v(PROBE_NAMESPACE, 'ProbeFailedTargets', 'Maximum', probeDimensions(lb, cell.az));
        const faulty =
          f / Math.max(req, 1) >= d.faultRateThreshold &&
          f / Math.max(flb, 1) >= (d.faultShareFactor * req) / Math.max(reqlb, 1);
        const slow = lat * 1000 >= d.latencyThresholdMs && lat >= d.latencyOutlierFactor * latlb;
        const needed = affectedTargetsNeeded({ healthyHosts: hh ?? 0, unhealthyHosts: unh }, d);
        const impaired = req >= d.minRequests && (faulty || slow) && Math.max(unh, pft) >= needed;
        // OR (FILL(hh, 1) == 0): no healthy host left in the period.
        return impaired || (hh ?? 1) === 0 ? 1 : 0;
      },
      metricsConfig: [{ id: 'impaired', expression: 'lib/failover.ts ALB impairment expression' }],
    });
    if (!ctx.scenario.signals.includes('prober')) continue;
    const shape = probeAlarmShape(d);
    alarms.push({
      name: impairmentAlarmName(config.alarmPrefix, cell.az, 'probe'),
      description: `${cell.az} looks impaired (prober failures/latency outlier, more than one target affected, ${shape.datapointsToAlarm} of ${shape.evaluationPeriods} ${shape.periodSeconds}-s periods)`,
      periodS: shape.periodSeconds,
      evaluationPeriods: shape.evaluationPeriods,
      datapointsToAlarm: shape.datapointsToAlarm,
      threshold: 1,
      comparison: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
      value: (m, start, period) => {
        const read = filledReader(m, start, period);
        const v = (metricName: string, stat: MetricQuery['stat'], dimensions: Record<string, string>) =>
          read(PROBE_NAMESPACE, metricName, stat, dimensions);
        const own = probeDimensions(lb, cell.az);
        const all = probeCellDimensions(lb);
        const pc = v('ProbeCount', 'Sum', own);
        const pf = v('ProbeFailures', 'Sum', own);
        const lat = v('ProbeLatency', 'Average', own);
        const pft = v('ProbeFailedTargets', 'Maximum', own);
        const pca = v('ProbeCount', 'Sum', all);
        const pfa = v('ProbeFailures', 'Sum', all);
        const lata = v('ProbeLatency', 'Average', all);
        const othersProbes = Math.max(pca - pc, 1);
        const failure = (100 * pf) / Math.max(pc, 1);
        const otherFailure = (100 * (pfa - pf)) / othersProbes;
        const otherLatency = (lata * pca - lat * pc) / othersProbes;
        const failing = failure >= d.probeFailureRateThreshold * 100 && failure >= 2 * otherFailure;
        const slow = lat >= d.probeLatencyThresholdMs && lat >= d.latencyOutlierFactor * otherLatency;
        return pc >= d.minProbes && (failing || slow) && pft >= d.minAffectedTargets ? 1 : 0;
      },
      metricsConfig: [{ id: 'impaired', expression: 'lib/failover.ts prober impairment expression' }],
    });
    // lib/failover.ts's `targets` alarm: the prober's healthy-target count, from the same definition.
    const t = NO_HEALTHY_TARGETS_ALARM;
    alarms.push({
      name: impairmentAlarmName(config.alarmPrefix, cell.az, 'targets'),
      description: `${cell.az} has no healthy target (prober's DescribeTargetHealth, ${t.datapointsToAlarm} of ${t.evaluationPeriods} ${t.periodSeconds}-s periods)`,
      periodS: t.periodSeconds,
      evaluationPeriods: t.evaluationPeriods,
      datapointsToAlarm: t.datapointsToAlarm,
      threshold: t.threshold,
      comparison: t.comparison,
      treatMissingData: 'notBreaching',
      value: (m, start, period) =>
        periodValue(m, start, period, {
          namespace: PROBE_NAMESPACE,
          metricName: t.metricName,
          stat: t.statistic,
          dimensions: probeDimensions(lb, cell.az),
        }),
      metricsConfig: [
        { id: 'm1', metricStat: { metricName: t.metricName, stat: t.statistic, period: t.periodSeconds } },
      ],
    });
  }
  return alarms;
}

const isAlarmEvent = (prefix: string) => (e: EventBridgeEvent<unknown>) =>
  e['detail-type'] === 'CloudWatch Alarm State Change' &&
  String((e.detail as { alarmName?: string }).alarmName ?? '').startsWith(prefix);

/**
 * Wires Bulkhead's real function handlers (`lambdas/<fn>/function.ts`) into the simulated region:
 * the same rules and schedules the stack creates, the sim's ports as deps. A function whose code is
 * not on main is listed as such, never replaced by a stand-in.
 */
export function wireBulkhead(ctx: DrillContext): BulkheadWiring {
  const { topology, ports } = ctx;
  const { region } = topology;
  const config = failoverRuntimeConfig(ctx);
  // Each function's EMF carries its Powertools `service` dimension (its name), as on Lambda.
  const sink = (service: string) => new PowertoolsDimensionSink(region.metrics, service);
  const common = {
    ecs: ports.ecs,
    loadBalancer: ports.loadBalancer,
    store: region.objects,
    clock: ports.clock,
    log: ports.log,
    config,
  };
  const bindings: HandlerBinding[] = [];
  const integration: Integration[] = [];

  const zoneShifter = createZoneShifterHandler({
    ...common,
    metrics: sink('zone-shifter'),
    metricReader: region.metrics,
  });
  bindings.push({
    name: 'zone-shifter',
    matches: isAlarmEvent(config.alarmPrefix),
    scheduleS: 60,
    invoke: (event) => zoneShifter(event),
  });
  integration.push({
    function: 'zone-shifter',
    status: 'integrated',
    note: 'real handler (lambdas/zone-shifter/function.ts): impairment alarms + 1-minute schedule',
  });

  const taskReplacer = createTaskReplacerHandler({ ...common, metrics: sink('task-replacer') });
  bindings.push({
    name: 'task-replacer',
    matches: (e) =>
      e['detail-type'] === 'ECS Task State Change' &&
      (e.detail as TaskStateDetail).clusterArn === region.clusterArn,
    scheduleS: 60,
    invoke: (event) => taskReplacer(event),
  });
  integration.push({
    function: 'task-replacer',
    status: 'integrated',
    note: 'real handler (lambdas/task-replacer/function.ts): ECS task state changes + 1-minute schedule',
  });

  if (ctx.scenario.signals.includes('prober')) {
    const prober = createZonalProberHandler({
      loadBalancer: ports.loadBalancer,
      probe: new SimHttpProbe(region, ctx.rng.fork('prober')),
      metrics: sink('zonal-prober'),
      store: region.objects,
      clock: ports.clock,
      sleep: ctx.sleep,
      log: ports.log,
      config,
    });
    bindings.push({
      name: 'zonal-prober',
      scheduleS: 60,
      background: true,
      invoke: (event) => prober(event),
    });
    integration.push({
      function: 'zonal-prober',
      status: 'integrated',
      note: 'real handler (lambdas/zonal-prober/function.ts): 1-minute schedule, a probe round every 10 s',
    });
  } else {
    integration.push({
      function: 'zonal-prober',
      status: 'off',
      note: 'this scenario detects with ALB metrics only',
    });
  }

  const lb = loadBalancerDimension(config.listenerArn);
  const availabilityConfig = availabilityRuntimeSchema.parse({
    serviceName: 'bulkhead',
    loadBalancer: lb,
    cells: config.cells.map((c) => ({ az: c.az, targetGroup: targetGroupDimension(c.targetGroupArn) })),
    slo: AVAILABILITY_DEFAULTS.sloPercent / 100,
    sloWindow: `${AVAILABILITY_DEFAULTS.sloWindowDays}d`,
    probeUrl: 'http://bulkhead-alb.drill.internal/',
    ...pickAvailabilitySettings(AVAILABILITY_DEFAULTS),
    // As lib/bulkhead-stack.ts wires it: the prober's metrics carry its Powertools `service` dimension.
    zonalProbe: {
      namespace: PROBE_NAMESPACE,
      countMetric: 'ProbeCount',
      failuresMetric: 'ProbeFailures',
      dimensions: probeCellDimensions(lb),
      azDimension: PROBE_AZ_DIMENSION,
    },
    incidentAlarms: Object.fromEntries(
      config.cells.flatMap((c) =>
        (['alb', 'probe'] as const).map((kind) => [
          impairmentAlarmName(config.alarmPrefix, c.az, kind),
          `az:${c.az}`,
        ]),
      ),
    ),
  });
  const availability = createAvailabilityHandler({
    store: region.objects,
    metrics: region.metrics,
    sink: sink(AVAILABILITY_METRICS_SERVICE),
    probe: new SimUrlProbe(topology, ctx.rng.fork('e2e-probe')),
    clock: ports.clock,
    log: ports.log,
    config: availabilityConfig,
  });
  bindings.push({
    name: 'availability',
    matches: isAlarmEvent(config.alarmPrefix),
    scheduleS: 60,
    invoke: (event) => availability(event),
  });
  integration.push({
    function: 'availability',
    status: 'integrated',
    note: 'real handler (lambdas/availability/function.ts): 1-minute schedule + impairment alarms; its last report is in the JSON',
  });

  integration.push({
    function: 'volume-backup',
    status: ctx.scenario.volume ? 'integrated' : 'off',
    note: ctx.scenario.volume
      ? 'real handler (lambdas/volume-backup/function.ts) on a Scheduled Event, with its restore drill; the file is restored with the snapshot engine as bulkhead restore does'
      : 'this scenario has no volume',
  });
  return { bindings, alarms: impairmentAlarms(ctx, config), integration };
}
