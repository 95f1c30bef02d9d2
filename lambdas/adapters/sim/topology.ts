import { SimRegion, type SimRegionOptions } from './sim-region';
import {
  ALB_DEFAULT_DEREGISTRATION_DELAY_S,
  ALB_DEFAULT_HEALTH_CHECK,
  BULKHEAD_DEREGISTRATION_DELAY_S,
  BULKHEAD_HEALTH_CHECK,
  type HealthCheckSettings,
} from './timing';

/** The shape of the service a drill runs: the same app, in Bulkhead's cells or as plain ECS. */
export interface TopologyOptions extends SimRegionOptions {
  /** @default ['us-east-1a', 'us-east-1b', 'us-east-1c'] */
  readonly azs?: readonly string[];
  /** Tasks per AZ at the start. @default 3 */
  readonly tasksPerAz?: number;
  /** Requests per second offered. @default 140 */
  readonly rps?: number;
  /** Task definition family. @default 'web' */
  readonly family?: string;
  /** Upper bound of one cell's desired count (its auto scaling maximum). @default 3 × tasksPerAz */
  readonly maxTasksPerCell?: number;
  /** Override the health check settings. */
  readonly healthCheck?: HealthCheckSettings;
  /** Override the deregistration delay, seconds. */
  readonly deregistrationDelayS?: number;
}

/** What a drill needs to find its way around a region. */
export interface Topology {
  readonly kind: 'bulkhead' | 'baseline';
  readonly region: SimRegion;
  readonly azs: readonly string[];
  readonly listenerArn: string;
  /** One cell per AZ for Bulkhead; one multi-AZ service for the baseline. */
  readonly cells: readonly {
    readonly az?: string;
    readonly serviceName: string;
    readonly targetGroupArn: string;
  }[];
  /** The task definition revision the service runs at the start, and the one before it. */
  readonly taskDefinitions: { readonly current: string; readonly previous: string };
}

const DEFAULT_AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

/**
 * Bulkhead's layout: one Fargate service and one target group per AZ behind one weighted listener,
 * with the fastest health checks ALB allows (5 s, 2/2).
 */
export function createCellTopology(options: TopologyOptions): Topology {
  const region = new SimRegion(options);
  const azs = options.azs ?? DEFAULT_AZS;
  const perAz = options.tasksPerAz ?? 3;
  region.rps = options.rps ?? 140;
  const family = options.family ?? 'web';
  const previous = region.registerTaskDefinition(family);
  const current = region.registerTaskDefinition(family);
  const cells = azs.map((az) => {
    const targetGroupArn = region.createTargetGroup({
      name: `bulkhead-${az}`,
      az,
      healthCheck: options.healthCheck ?? BULKHEAD_HEALTH_CHECK,
      deregistrationDelayS: options.deregistrationDelayS ?? BULKHEAD_DEREGISTRATION_DELAY_S,
    });
    const serviceName = `bulkhead-cell-${az}`;
    region.createService({
      serviceName,
      azs: [az],
      taskDefinition: current,
      desiredCount: perAz,
      targetGroupArn,
      maxDesiredCount: options.maxTasksPerCell ?? perAz * 3,
    });
    return { az, serviceName, targetGroupArn };
  });
  // Equal weights with room to ramp: 100 each of ALB's 0–999.
  const listenerArn = region.createListener(
    cells.map((c) => ({ targetGroupArn: c.targetGroupArn, weight: 100 })),
  );
  return { kind: 'bulkhead', region, azs, listenerArn, cells, taskDefinitions: { current, previous } };
}

/**
 * The baseline: the same app as most teams run it on ECS, one Fargate service spread over the AZs
 * behind one target group, with ALB's default health checks (30 s, 2 unhealthy / 5 healthy) and
 * deregistration delay (300 s). ECS's best-effort AZ spread skips an AZ that is down, which favours
 * the baseline in an outage.
 */
export function createPlainEcsTopology(options: TopologyOptions): Topology {
  const region = new SimRegion(options);
  const azs = options.azs ?? DEFAULT_AZS;
  const perAz = options.tasksPerAz ?? 3;
  region.rps = options.rps ?? 140;
  const family = options.family ?? 'web';
  const previous = region.registerTaskDefinition(family);
  const current = region.registerTaskDefinition(family);
  const targetGroupArn = region.createTargetGroup({
    name: 'web',
    healthCheck: options.healthCheck ?? ALB_DEFAULT_HEALTH_CHECK,
    deregistrationDelayS: options.deregistrationDelayS ?? ALB_DEFAULT_DEREGISTRATION_DELAY_S,
  });
  const serviceName = 'web';
  region.createService({
    serviceName,
    azs,
    taskDefinition: current,
    desiredCount: perAz * azs.length,
    targetGroupArn,
  });
  const listenerArn = region.createListener([{ targetGroupArn, weight: 1 }]);
  return {
    kind: 'baseline',
    region,
    azs,
    listenerArn,
    cells: [{ serviceName, targetGroupArn }],
    taskDefinitions: { current, previous },
  };
}
