import type { EventBridgeEvent, TaskStateDetail } from '../../lambdas/adapters/sim/aws-events';
import type { SimAlarmDefinition } from '../../lambdas/adapters/sim/sim-region';
import { createAvailabilityHandler } from '../../lambdas/availability/function';
import { AVAILABILITY_DEFAULTS, availabilityRuntimeSchema } from '../../lambdas/config/availability';
import {
  type FailoverRuntimeConfig,
  failoverRuntimeSchema,
  resolveFailoverPolicy,
} from '../../lambdas/config/failover';
import {
  loadBalancerDimension,
  probeDimensions,
  targetGroupDimension,
} from '../../lambdas/core/cell-metrics';
import { impairmentAlarmName } from '../../lambdas/core/failover-events';
import { createTaskReplacerHandler } from '../../lambdas/task-replacer/function';
import { createZonalProberHandler } from '../../lambdas/zonal-prober/function';
import { createZoneShifterHandler } from '../../lambdas/zone-shifter/function';
import type { BulkheadWiring, DrillContext, HandlerBinding, Integration } from './bindings';
import { SimHttpProbe, SimUrlProbe } from './sim-probes';

/** Prefix of the per-AZ impairment alarms (`<prefix><az>-alb`, `<prefix><az>-probe`). */
export const DRILL_ALARM_PREFIX = 'bulkhead-impaired-';

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
    probeTimeoutMs: 2000,
    runLeaseTtlMs: 50_000,
  });
}

/**
 * The per-AZ impairment alarms, M of N as the detection policy sets them: one on the cell's target
 * 5xx ratio (ALB metrics, 60 s periods), one on the prober's failure ratio (10 s periods).
 */
export function impairmentAlarms(ctx: DrillContext, config: FailoverRuntimeConfig): SimAlarmDefinition[] {
  const d = config.policy.detection;
  const lb = loadBalancerDimension(config.listenerArn);
  const alarms: SimAlarmDefinition[] = [];
  for (const cell of config.cells) {
    const dims = { TargetGroup: targetGroupDimension(cell.targetGroupArn), LoadBalancer: lb };
    alarms.push({
      name: impairmentAlarmName(config.alarmPrefix, cell.az, 'alb'),
      description: `Target 5xx ratio of the ${cell.az} cell above ${d.faultRateThreshold}`,
      periodS: 60,
      evaluationPeriods: d.evaluationPeriods,
      datapointsToAlarm: d.datapointsToAlarm,
      threshold: d.faultRateThreshold,
      comparison: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      value: (m, start, period) => {
        const q = (metricName: string) =>
          m.query(
            {
              id: 'x',
              namespace: 'AWS/ApplicationELB',
              metricName,
              dimensions: dims,
              stat: 'Sum',
              periodSeconds: period,
            },
            start,
            start + period * 1000,
          )[0]?.value;
        const requests = q('RequestCount');
        if (requests === undefined || requests < d.minRequests) return undefined;
        return (q('HTTPCode_Target_5XX_Count') ?? 0) / requests;
      },
      metricsConfig: [{ id: 'faultRatio', expression: 'HTTPCode_Target_5XX_Count / RequestCount' }],
    });
    if (!ctx.scenario.signals.includes('prober')) continue;
    const pdims = probeDimensions(lb, cell.az);
    alarms.push({
      name: impairmentAlarmName(config.alarmPrefix, cell.az, 'probe'),
      description: `Probe failure ratio of ${cell.az} above ${d.probeFailureRateThreshold}`,
      periodS: 10,
      evaluationPeriods: d.evaluationPeriods,
      datapointsToAlarm: d.datapointsToAlarm,
      threshold: d.probeFailureRateThreshold,
      comparison: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      value: (m, start, period) => {
        const q = (metricName: string) =>
          m.query(
            {
              id: 'x',
              namespace: 'Bulkhead',
              metricName,
              dimensions: pdims,
              stat: 'Sum',
              periodSeconds: period,
            },
            start,
            start + period * 1000,
          )[0]?.value;
        const probes = q('ProbeCount');
        if (!probes) return undefined;
        return (q('ProbeFailures') ?? 0) / probes;
      },
      metricsConfig: [{ id: 'probeFailureRatio', expression: 'ProbeFailures / ProbeCount' }],
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
  const common = {
    ecs: ports.ecs,
    loadBalancer: ports.loadBalancer,
    store: region.objects,
    metrics: region.metrics,
    clock: ports.clock,
    log: ports.log,
    config,
  };
  const bindings: HandlerBinding[] = [];
  const integration: Integration[] = [];

  const zoneShifter = createZoneShifterHandler({ ...common, metricReader: region.metrics });
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

  const taskReplacer = createTaskReplacerHandler(common);
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
      metrics: region.metrics,
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
    probesPerRun: AVAILABILITY_DEFAULTS.probesPerRun,
    probeTimeoutMs: AVAILABILITY_DEFAULTS.probeTimeoutMs,
    errorRatioThreshold: AVAILABILITY_DEFAULTS.errorRatioThreshold,
    minRequestsPerMinute: AVAILABILITY_DEFAULTS.minRequestsPerMinute,
    probeFailureThreshold: AVAILABILITY_DEFAULTS.probeFailureThreshold,
    openAfterMinutes: AVAILABILITY_DEFAULTS.openAfterMinutes,
    closeAfterMinutes: AVAILABILITY_DEFAULTS.closeAfterMinutes,
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
    sink: region.metrics,
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
    status: ctx.scenario.volume ? 'not-on-main' : 'off',
    note: ctx.scenario.volume ? 'the backup engine is not on main yet' : 'this scenario has no volume',
  });
  return { bindings, alarms: impairmentAlarms(ctx, config), integration };
}
