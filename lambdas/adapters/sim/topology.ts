import { CELL_WEIGHT, type StackConfig, stackConfigSchema } from '../../config/stack';
import { SimRegion, type SimRegionOptions } from './sim-region';
import {
  ALB_DEFAULT_DEREGISTRATION_DELAY_S,
  ALB_DEFAULT_HEALTH_CHECK,
  type HealthCheckSettings,
} from './timing';

/** The shape of the service a drill runs: the same app, in Bulkhead's cells or as plain ECS. */
export interface TopologyOptions extends SimRegionOptions {
  /** @default ['us-east-1a', 'us-east-1b', 'us-east-1c'] */
  readonly azs?: readonly string[];
  /** Tasks per AZ at the start. @default the stack's service.desiredCount (2) */
  readonly tasksPerAz?: number;
  /** Requests per second offered. @default 100 */
  readonly rps?: number;
  /** Task definition family. @default 'web' */
  readonly family?: string;
  /**
   * Upper bound UpdateService accepts for one cell's desired count. ECS's own bound is the quota
   * (5,000 tasks per service); the auto scaling maximum is not an API limit.
   * @default 5000
   */
  readonly maxTasksPerCell?: number;
  /** Weight of each cell in the listener at the start. @default the stack's CELL_WEIGHT */
  readonly cellWeight?: number;
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

/** The stack's defaults (lambdas/config/stack.ts): the drill's cells are what `cdk deploy` builds. */
export const STACK_DEFAULTS: StackConfig = stackConfigSchema.parse({});

/**
 * Bulkhead's layout with the stack's defaults: one Fargate service and one target group per AZ
 * behind one weighted listener (weight 1 each), health checks every 5 s with thresholds 2/2, and a
 * 30 s deregistration delay.
 */
export function createCellTopology(options: TopologyOptions): Topology {
  const region = new SimRegion(options);
  const azs = options.azs ?? DEFAULT_AZS;
  const perAz = options.tasksPerAz ?? STACK_DEFAULTS.service.desiredCount;
  const tg = STACK_DEFAULTS.targetGroup;
  region.rps = options.rps ?? 100;
  const family = options.family ?? 'web';
  const previous = region.registerTaskDefinition(family);
  const current = region.registerTaskDefinition(family);
  const cells = azs.map((az) => {
    const targetGroupArn = region.createTargetGroup({
      name: `bulkhead-${az}`,
      az,
      healthCheck: options.healthCheck ?? {
        intervalS: tg.healthCheckIntervalSeconds,
        unhealthyThreshold: tg.unhealthyThreshold,
        healthyThreshold: tg.healthyThreshold,
      },
      deregistrationDelayS: options.deregistrationDelayS ?? tg.deregistrationDelaySeconds,
    });
    const serviceName = `bulkhead-cell-${az}`;
    region.createService({
      serviceName,
      azs: [az],
      taskDefinition: current,
      desiredCount: perAz,
      targetGroupArn,
      maxDesiredCount: options.maxTasksPerCell,
    });
    return { az, serviceName, targetGroupArn };
  });
  const listenerArn = region.createListener(
    cells.map((c) => ({ targetGroupArn: c.targetGroupArn, weight: options.cellWeight ?? CELL_WEIGHT })),
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
  const perAz = options.tasksPerAz ?? STACK_DEFAULTS.service.desiredCount;
  region.rps = options.rps ?? 100;
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
