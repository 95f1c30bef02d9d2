import type { GuardPolicy } from './failover-policy';

/**
 * The stop guard, pure. It caps task stops per service per window (by default 10% of the cell's
 * tasks, at least one, per 5 minutes) and never lets running tasks go below the minimum healthy
 * percent. Past stops are counted from ECS stop reasons and the audit log, so no database is needed.
 */

/** One stop Bulkhead already made (from ECS STOPPED tasks carrying the marker, or the audit log). */
export interface PastStop {
  readonly taskArn: string;
  readonly atMs: number;
}

/** One cell's state as the guard sees it. */
export interface GuardCell {
  readonly desiredCount: number;
  readonly runningCount: number;
  /** The service's deployment minimumHealthyPercent. */
  readonly minimumHealthyPercent: number;
  readonly pastStops: readonly PastStop[];
}

/** A task a decision wants to stop. */
export interface StopCandidate {
  readonly taskArn: string;
  /** Stopping a RUNNING task lowers running capacity; stopping a stuck PENDING one does not. */
  readonly running: boolean;
}

/** The guard's verdict on a set of candidates. */
export interface GuardVerdict {
  readonly approved: readonly StopCandidate[];
  readonly refused: readonly { readonly taskArn: string; readonly why: string }[];
  /** Stops allowed per window for this cell. */
  readonly limit: number;
  /** Distinct stops already made in the window. */
  readonly used: number;
  /** Running tasks may not go below this. */
  readonly floor: number;
}

/** Stops allowed per window for a cell with `desiredCount` tasks. */
export function stopLimit(desiredCount: number, policy: GuardPolicy): number {
  return Math.max(policy.minStopsPerWindow, Math.floor(Math.max(0, desiredCount) * policy.maxStopFraction));
}

/** Distinct past stops within the window ending at `nowMs`. */
export function stopsInWindow(pastStops: readonly PastStop[], nowMs: number, windowMs: number): number {
  return new Set(pastStops.filter((s) => s.atMs > nowMs - windowMs && s.atMs <= nowMs).map((s) => s.taskArn))
    .size;
}

/** Approves candidates in order until the window's limit or the healthy floor would be crossed. */
export function guardStops(
  cell: GuardCell,
  candidates: readonly StopCandidate[],
  nowMs: number,
  policy: GuardPolicy,
): GuardVerdict {
  const limit = stopLimit(cell.desiredCount, policy);
  const used = stopsInWindow(cell.pastStops, nowMs, policy.windowMs);
  const minHealthy =
    policy.minHealthyPercent === 'service' ? cell.minimumHealthyPercent : policy.minHealthyPercent;
  const floor = Math.ceil((Math.max(0, cell.desiredCount) * minHealthy) / 100);
  const approved: StopCandidate[] = [];
  const refused: { taskArn: string; why: string }[] = [];
  let running = cell.runningCount;
  const seen = new Set<string>();
  for (const candidate of candidates) {
    if (seen.has(candidate.taskArn)) continue;
    seen.add(candidate.taskArn);
    if (used + approved.length >= limit) {
      refused.push({
        taskArn: candidate.taskArn,
        why: `stop limit ${limit} per ${policy.windowMs / 1000} s reached (${used} already)`,
      });
      continue;
    }
    if (candidate.running && running - 1 < floor) {
      refused.push({
        taskArn: candidate.taskArn,
        why: `would leave ${running - 1} running, below the floor of ${floor} (${minHealthy}% of ${cell.desiredCount})`,
      });
      continue;
    }
    approved.push(candidate);
    if (candidate.running) running--;
  }
  return { approved, refused, limit, used, floor };
}
