import type { EventOrigin } from './aws-events';
import type { Prng } from './prng';
import type { SimEventBus } from './sim-event-bus';
import type { HealthCheckSettings, SimTiming } from './timing';

/** A fault injected into one AZ. */
export type AzFault =
  /** The AZ is gone: its tasks are unreachable and launches there fail. */
  | { readonly kind: 'outage' }
  /**
   * A gray failure: targets still run and mostly pass health checks, but a share of requests (and of
   * health checks and probes) fail, and/or latency rises.
   */
  | {
      readonly kind: 'gray';
      /** Share of requests that get a 5xx from an affected target, 0–1. */
      readonly errorRate: number;
      /** Latency added to every request to an affected target, milliseconds. */
      readonly addedLatencyMs: number;
      /** Share of the AZ's targets affected, 0–1. @default 1 */
      readonly affectedShare?: number;
    }
  /** Lost capacity: existing tasks keep running, new launches hang in PENDING. */
  | { readonly kind: 'no-capacity' };

/** How tasks of one task definition revision behave. */
export interface TaskDefinitionBehaviour {
  /**
   * From `fromMs` on, the essential container exits `afterStartS` seconds after start; with 0, a task
   * started after `fromMs` dies before it reaches RUNNING (a crash loop ECS throttles).
   */
  readonly crash?: {
    readonly fromMs: number;
    readonly afterStartS: number;
    /** Tasks already running crash spread over this many seconds after `fromMs` (not all at once). @default 0 */
    readonly spreadS?: number;
  };
}

/** Options of one simulated ECS service. */
export interface SimServiceOptions {
  readonly serviceName: string;
  /** AZs the service's subnets span: one for a Bulkhead cell, several for a plain ECS service. */
  readonly azs: readonly string[];
  readonly taskDefinition: string;
  readonly desiredCount: number;
  /** Target group the service registers its tasks in. */
  readonly targetGroupArn?: string;
  /** @default 100 */
  readonly minimumHealthyPercent?: number;
  /** Upper bound on desired count (the service's auto scaling maximum). @default ECS quota 5000 */
  readonly maxDesiredCount?: number;
  /** The deployment circuit breaker. @default { enable: true, rollback: true } */
  readonly circuitBreaker?: { readonly enable: boolean; readonly rollback: boolean };
}

/** Options of one target group. */
export interface SimTargetGroupOptions {
  readonly name: string;
  /** AZ of a zonal cell's target group (reports group traffic by it). */
  readonly az?: string;
  readonly healthCheck: HealthCheckSettings;
  readonly deregistrationDelayS: number;
  /** @default 8080 */
  readonly port?: number;
}

/** One mutating API call made against the region, for reports and assertions. */
export interface ApiCall {
  readonly timeMs: number;
  readonly api: string;
  readonly target: string;
  readonly params: unknown;
  readonly ok: boolean;
  readonly error?: string;
}

/** One second of traffic, per AZ. */
export interface TrafficTick {
  readonly timeMs: number;
  readonly perAz: Readonly<Record<string, { requests: number; failed: number; latencyMsSum: number }>>;
}

/** What the models of a region share (the region builds one and hands each model the parts it needs). */
export interface SimContext {
  readonly region: string;
  readonly account: string;
  readonly timing: SimTiming;
  /** The simulated clock. */
  readonly nowMs: () => number;
  /** The region's id stream (ARNs, deployment ids, event ids, the tasks' gray-failure draws). */
  readonly ids: Prng;
  /** The faults in effect, by AZ. */
  readonly faults: ReadonlyMap<string, AzFault>;
  /** The EventBridge bus state changes go on. */
  readonly bus: SimEventBus;
  /** The envelope of the next event (its id comes from the id stream). */
  readonly origin: () => EventOrigin;
}
