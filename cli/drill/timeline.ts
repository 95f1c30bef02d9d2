/** Width of one timeline bucket, seconds. */
export const BUCKET_S = 10;

/** One AZ's state over one bucket. */
export interface AzBucket {
  /** Requests routed to targets in this AZ (or to its empty target group). */
  readonly requests: number;
  readonly failed: number;
  /** This AZ's share of the listener weight at the bucket's end, 0–1 (null for the baseline's single target group). */
  readonly weightShare: number | null;
  /** Healthy targets in the AZ at the bucket's end. */
  readonly healthy: number;
  /** RUNNING tasks in the AZ at the bucket's end. */
  readonly running: number;
  /** Tasks ECS wants in the AZ (desired status RUNNING) at the bucket's end. */
  readonly wanted: number;
}

/** One bucket of the timeline. `t` is its start, in seconds since the drill started. */
export interface Bucket {
  readonly t: number;
  readonly requests: number;
  readonly failed: number;
  readonly az: Readonly<Record<string, AzBucket>>;
}

/** What happened, when. */
export interface TimelineEvent {
  /** Seconds since the drill started. */
  readonly t: number;
  readonly kind: 'fault-start' | 'fault-end' | 'detected' | 'decision' | 'action' | 'error' | 'note';
  /** Who: `scenario`, `alb`, `ecs`, `cloudwatch`, `drill`, or a Bulkhead function's name. */
  readonly actor: string;
  readonly az?: string;
  readonly summary: string;
  readonly detail?: unknown;
}

/** Whether an actor is one of Bulkhead's functions (as opposed to the platform or the drill). */
export function isBulkheadActor(actor: string): boolean {
  return !['scenario', 'alb', 'ecs', 'cloudwatch', 'drill'].includes(actor);
}
