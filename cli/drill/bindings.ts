import type { EventBridgeEvent } from '../../lambdas/adapters/sim/aws-events';
import type { Prng } from '../../lambdas/adapters/sim/prng';
import type { SimEcs } from '../../lambdas/adapters/sim/sim-ecs';
import type { SimLoadBalancer } from '../../lambdas/adapters/sim/sim-load-balancer';
import type { SimAlarmDefinition } from '../../lambdas/adapters/sim/sim-region';
import type { Topology } from '../../lambdas/adapters/sim/topology';
import type { Clock } from '../../lambdas/ports/clock';
import type { Sleep } from '../../lambdas/ports/http-probe';
import type { Log } from '../../lambdas/ports/log';
import type { Scenario } from './scenario';

/** The simulated region's ports, as Bulkhead's functions receive them in a drill. */
export interface DrillPorts {
  readonly ecs: SimEcs;
  readonly loadBalancer: SimLoadBalancer;
  readonly clock: Clock;
  readonly log: Log;
}

/** Everything a binding may use to build a function's deps. */
export interface DrillContext {
  readonly topology: Topology;
  readonly scenario: Scenario;
  readonly ports: DrillPorts;
  /** Draws for probes and other function-side randomness. */
  readonly rng: Prng;
  /** Waits in simulated time: resolves when the drill's clock reaches now + ms. */
  readonly sleep: Sleep;
  /** Local directory of the data volume (scenarios with a volume). */
  readonly volumeDir?: string;
  /** Local directory for the backup repository. */
  readonly repoDir?: string;
}

/** One of Bulkhead's functions, wired into the simulated region: its rule, its schedule, its real handler. */
export interface HandlerBinding {
  readonly name: string;
  /** EventBridge rule pattern, as a predicate. */
  readonly matches?: (event: EventBridgeEvent<unknown>) => boolean;
  /** A schedule rule (`rate(n seconds)`); the drill puts a "Scheduled Event" for it. */
  readonly scheduleS?: number;
  /**
   * The invocation outlives its tick (it sleeps in simulated time, like the prober pacing its
   * rounds): the drill starts it and keeps the world moving instead of awaiting it.
   */
  readonly background?: boolean;
  /** Runs the function's real handler on one raw event. */
  readonly invoke: (event: unknown) => Promise<unknown>;
}

/** Whether a function's real handler runs in the drill, and if not, why. */
export interface Integration {
  readonly function: string;
  readonly status: 'integrated' | 'not-on-main' | 'off';
  readonly note: string;
}

/** What the wiring returns for one run of Bulkhead. */
export interface BulkheadWiring {
  readonly bindings: readonly HandlerBinding[];
  readonly alarms: readonly SimAlarmDefinition[];
  readonly integration: readonly Integration[];
}
