import type { FailoverPolicy } from '../core/failover-policy';
import { STOP_REASON_MARKER } from '../core/failover-policy';
import { guardStops, type PastStop, type StopCandidate } from '../core/stop-guard';
import { absorbingDesiredCounts } from '../core/weights';
import type { EcsService, EcsTask } from '../ports/ecs';
import type { TargetHealth } from '../ports/load-balancer';

/** The last task definition a cell ran well on, remembered between runs. */
export interface KnownGood {
  readonly taskDefinition: string;
  readonly sinceMs: number;
}

/** One cell as the task-replacer sees it. */
export interface TaskReplacerCell {
  readonly az: string;
  readonly service: EcsService;
  /** Tasks whose desired status is RUNNING (includes PROVISIONING and PENDING ones). */
  readonly tasks: readonly EcsTask[];
  /** Recently STOPPED tasks (ECS keeps them about an hour). */
  readonly stoppedTasks: readonly EcsTask[];
  /** Target health of the cell's target group. */
  readonly targets: readonly TargetHealth[];
  /** Consecutive failed probes per target IP, from the prober; absent when the prober has no data. */
  readonly probeFailures?: Readonly<Record<string, number>>;
  /** Stops Bulkhead made (audit log); merged with ECS's marker-carrying stopped tasks. */
  readonly auditedStops: readonly PastStop[];
  readonly knownGood?: KnownGood;
  readonly lastRollbackAtMs?: number;
}

/** Everything `decide` needs. */
export interface TaskReplacerInput {
  readonly nowMs: number;
  readonly cells: readonly TaskReplacerCell[];
  readonly policy: FailoverPolicy;
}

/** A task to stop and why. */
export interface TaskStop {
  readonly taskArn: string;
  readonly why: 'stuck' | 'probe-failing';
  readonly detail: string;
}

/** What to do in one cell. */
export type CellDecision =
  | { readonly kind: 'none'; readonly az: string; readonly reason: string }
  | {
      readonly kind: 'rollback';
      readonly az: string;
      readonly serviceName: string;
      readonly from: string;
      readonly to: string;
      readonly reason: string;
    }
  | {
      readonly kind: 'stop-tasks';
      readonly az: string;
      readonly serviceName: string;
      readonly stops: readonly TaskStop[];
      readonly refused: readonly { readonly taskArn: string; readonly why: string }[];
      readonly reason: string;
    }
  | { readonly kind: 'alert-only'; readonly az: string; readonly reason: string };

/** A desired-count raise in a healthy cell. */
export interface ScaleUp {
  readonly az: string;
  readonly serviceName: string;
  readonly desiredCount: number;
}

/** The task-replacer's decision for one run. */
export interface TaskReplacerDecision {
  readonly cells: readonly CellDecision[];
  /** Raises in healthy cells, to make up for stuck tasks stopped elsewhere. */
  readonly scaleUps: readonly ScaleUp[];
  /** Known-good task definitions to remember (only changes). */
  readonly knownGood: Readonly<Record<string, KnownGood>>;
  /** `none`, or the non-none kinds joined with `+`. */
  readonly summary: string;
}

const STUCK_STATES = new Set(['PROVISIONING', 'PENDING']);

/** Did this stopped task exit on its own (a crash), rather than being stopped by ECS, a deploy or us? */
export function isCrashStop(task: EcsTask): boolean {
  if (task.stoppedReason?.startsWith(STOP_REASON_MARKER)) return false;
  if (task.stopCode === 'EssentialContainerExited') return true;
  return task.stopCode === undefined && /essential container .* exited/i.test(task.stoppedReason ?? '');
}

/** Stops of this cell that Bulkhead made: marker-carrying STOPPED tasks, plus the audit log's. */
export function pastStopsOf(cell: TaskReplacerCell): PastStop[] {
  const fromEcs = cell.stoppedTasks
    .filter((t) => t.stoppedReason?.startsWith(STOP_REASON_MARKER))
    .map((t) => ({ taskArn: t.taskArn, atMs: t.stoppedAtMs ?? t.createdAtMs }));
  return [...fromEcs, ...cell.auditedStops];
}

function completedPrimary(service: EcsService) {
  return service.deployments.find((d) => d.status === 'PRIMARY' && d.rolloutState === 'COMPLETED');
}

function crashStops(cell: TaskReplacerCell, nowMs: number, windowMs: number): EcsTask[] {
  const primary = completedPrimary(cell.service);
  if (!primary) return [];
  return cell.stoppedTasks.filter(
    (t) =>
      t.taskDefinitionArn === primary.taskDefinition &&
      isCrashStop(t) &&
      (t.stoppedAtMs ?? 0) >= primary.updatedAtMs &&
      (t.stoppedAtMs ?? 0) > nowMs - windowMs,
  );
}

function decideRollback(cell: TaskReplacerCell, input: TaskReplacerInput): CellDecision | undefined {
  const policy = input.policy.taskReplacer;
  const primary = completedPrimary(cell.service);
  if (!primary) return undefined;
  const crashes = crashStops(cell, input.nowMs, policy.crashLoopWindowMs);
  if (crashes.length < policy.crashLoopStops) return undefined;
  const what = `${crashes.length} tasks of ${primary.taskDefinition} crashed within ${policy.crashLoopWindowMs / 1000} s after the deployment completed`;
  if (!cell.knownGood || cell.knownGood.taskDefinition === primary.taskDefinition) {
    return {
      kind: 'alert-only',
      az: cell.az,
      reason: `crash loop (${what}) but no earlier known-good task definition to roll back to`,
    };
  }
  if (
    cell.lastRollbackAtMs !== undefined &&
    input.nowMs - cell.lastRollbackAtMs < policy.rollbackCooldownMs
  ) {
    return {
      kind: 'alert-only',
      az: cell.az,
      reason: `crash loop (${what}) but a rollback happened ${Math.round((input.nowMs - cell.lastRollbackAtMs) / 1000)} s ago`,
    };
  }
  return {
    kind: 'rollback',
    az: cell.az,
    serviceName: cell.service.serviceName,
    from: primary.taskDefinition,
    to: cell.knownGood.taskDefinition,
    reason: `crash loop: ${what}; rolling back to ${cell.knownGood.taskDefinition}`,
  };
}

function stopCandidates(
  cell: TaskReplacerCell,
  input: TaskReplacerInput,
): { stops: TaskStop[]; note?: string } {
  const policy = input.policy.taskReplacer;
  const stops: TaskStop[] = [];
  for (const task of cell.tasks) {
    if (task.desiredStatus !== 'RUNNING' || !STUCK_STATES.has(task.lastStatus)) continue;
    const age = input.nowMs - task.createdAtMs;
    if (age >= policy.stuckTaskLimitMs) {
      stops.push({
        taskArn: task.taskArn,
        why: 'stuck',
        detail: `${task.lastStatus} for ${Math.round(age / 1000)} s`,
      });
    }
  }
  if (!cell.probeFailures) return { stops };
  const healthyTargets = new Set(cell.targets.filter((t) => t.state === 'healthy').map((t) => t.id));
  const running = cell.tasks.filter((t) => t.lastStatus === 'RUNNING' && t.privateIp);
  const failing = running.filter(
    (t) =>
      healthyTargets.has(t.privateIp!) &&
      (cell.probeFailures?.[t.privateIp!] ?? 0) >= policy.probeFailuresToStop,
  );
  // When most of a cell fails its probes, the fault is the AZ's, not a task's: the zone-shifter's call.
  if (failing.length > 0 && failing.length * 2 > running.length) {
    return {
      stops,
      note: `${failing.length} of ${running.length} running tasks fail probes: zonal, left to the zone-shifter`,
    };
  }
  for (const task of failing) {
    stops.push({
      taskArn: task.taskArn,
      why: 'probe-failing',
      detail: `ELB calls ${task.privateIp} healthy but ${cell.probeFailures[task.privateIp!]} probes in a row failed`,
    });
  }
  return { stops };
}

function nextKnownGood(cell: TaskReplacerCell, input: TaskReplacerInput): KnownGood | undefined {
  const primary = completedPrimary(cell.service);
  const policy = input.policy.taskReplacer;
  if (!primary || cell.knownGood?.taskDefinition === primary.taskDefinition) return undefined;
  const steady =
    cell.service.desiredCount > 0 &&
    cell.service.runningCount >= cell.service.desiredCount &&
    input.nowMs - primary.updatedAtMs >= policy.knownGoodAfterMs &&
    crashStops(cell, input.nowMs, policy.knownGoodAfterMs).length === 0;
  return steady ? { taskDefinition: primary.taskDefinition, sinceMs: input.nowMs } : undefined;
}

/**
 * The task-replacer's pure core. It acts only where ECS does not: a crash loop after a completed
 * deployment (roll back), tasks stuck in PROVISIONING/PENDING (stop them, raise healthy cells), and
 * tasks ELB calls healthy that the prober sees failing (stop them). Every stop passes the guard.
 */
export function decide(input: TaskReplacerInput): TaskReplacerDecision {
  const cells: CellDecision[] = [];
  const knownGood: Record<string, KnownGood> = {};
  let stuckStopped = 0;
  const stuckAzs = new Set<string>();
  for (const cell of input.cells) {
    const remembered = nextKnownGood(cell, input);
    if (remembered) knownGood[cell.service.serviceName] = remembered;
    const rollback = decideRollback(cell, input);
    if (rollback) {
      cells.push(rollback);
      continue;
    }
    const { stops, note } = stopCandidates(cell, input);
    if (stops.some((s) => s.why === 'stuck')) stuckAzs.add(cell.az);
    if (stops.length === 0) {
      cells.push(
        note
          ? { kind: 'alert-only', az: cell.az, reason: note }
          : { kind: 'none', az: cell.az, reason: 'nothing ECS leaves undone' },
      );
      continue;
    }
    const running = new Set(cell.tasks.filter((t) => t.lastStatus === 'RUNNING').map((t) => t.taskArn));
    const candidates: StopCandidate[] = stops.map((s) => ({
      taskArn: s.taskArn,
      running: running.has(s.taskArn),
    }));
    const verdict = guardStops(
      {
        desiredCount: cell.service.desiredCount,
        runningCount: cell.service.runningCount,
        minimumHealthyPercent: cell.service.minimumHealthyPercent,
        pastStops: pastStopsOf(cell),
      },
      candidates,
      input.nowMs,
      input.policy.guard,
    );
    const approved = new Set(verdict.approved.map((c) => c.taskArn));
    const approvedStops = stops.filter((s) => approved.has(s.taskArn));
    stuckStopped += approvedStops.filter((s) => s.why === 'stuck').length;
    const summary = stops.map((s) => `${s.taskArn.split('/').pop()} ${s.why} (${s.detail})`).join('; ');
    if (approvedStops.length === 0) {
      cells.push({
        kind: 'alert-only',
        az: cell.az,
        reason: `guard refused every stop: ${verdict.refused.map((r) => r.why).join('; ')} — ${summary}`,
      });
      continue;
    }
    cells.push({
      kind: 'stop-tasks',
      az: cell.az,
      serviceName: cell.service.serviceName,
      stops: approvedStops,
      refused: verdict.refused,
      reason: `stopping ${approvedStops.length} of ${stops.length}: ${summary}${note ? `; ${note}` : ''}`,
    });
  }

  let scaleUps: ScaleUp[] = [];
  if (stuckStopped > 0) {
    const healthy = input.cells.filter((c) => !stuckAzs.has(c.az) && c.service.desiredCount > 0);
    // Never beyond what it takes for the healthy cells alone to carry the whole service, sized from
    // the stuck cells' desired count (never raised by Bulkhead; cells deploy with equal counts), so
    // raises made in earlier runs do not compound into a runaway.
    const perCell = Math.max(
      ...input.cells.filter((c) => stuckAzs.has(c.az)).map((c) => c.service.desiredCount),
    );
    const total = perCell * input.cells.length;
    const ceiling = absorbingDesiredCounts(
      healthy.map((c) => ({ az: c.az, desiredCount: c.service.desiredCount })),
      total,
      input.policy.taskReplacer.maxDesiredPerCell,
    );
    const raised = new Map<string, number>();
    let left = stuckStopped;
    let progress = true;
    while (left > 0 && progress) {
      progress = false;
      for (const c of healthy) {
        const current = raised.get(c.az) ?? c.service.desiredCount;
        if (left === 0 || current + 1 > ceiling[c.az]) continue;
        raised.set(c.az, current + 1);
        left--;
        progress = true;
      }
    }
    scaleUps = healthy
      .filter((c) => raised.has(c.az))
      .map((c) => ({ az: c.az, serviceName: c.service.serviceName, desiredCount: raised.get(c.az)! }));
  }
  const kinds = [...new Set(cells.map((c) => c.kind).filter((k) => k !== 'none'))];
  return { cells, scaleUps, knownGood, summary: kinds.length ? kinds.join('+') : 'none' };
}
