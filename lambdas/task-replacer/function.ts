import type { FailoverRuntimeConfig } from '../config/failover-runtime';
import type { AuditAction } from '../core/audit-record';
import { describeParseError, looseEventId, taskReplacerEventSchema } from '../core/failover-events';
import { STOP_REASON_MARKER } from '../core/failover-policy';
import { decisionMarkerKey, fnv1a64 } from '../core/idempotency';
import { parseProbeState, probeStateKey } from '../core/probe-state';
import type { PastStop } from '../core/stop-guard';
import type { Clock } from '../ports/clock';
import type { Ecs, EcsTask } from '../ports/ecs';
import type { LoadBalancer } from '../ports/load-balancer';
import type { Log } from '../ports/log';
import type { MetricSink } from '../ports/metrics';
import type { ObjectStore } from '../ports/object-store';
import {
  type ActMode,
  act,
  claimDecision,
  claimEvent,
  errorText,
  finishDecision,
  type RecordedRun,
  readPause,
  readRecentAudit,
  recorderFor,
  recordRunFailure,
} from '../shell/failover-io';
import { decide, type KnownGood, type TaskReplacerCell, type TaskReplacerDecision } from './decide';

/** The function's name in audit records, markers and metrics. */
export const TASK_REPLACER = 'task-replacer';

/** Key of one service's remembered state (known-good task definition, last rollback). */
export function serviceStateKey(serviceName: string): string {
  return `control/task-replacer/${serviceName.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
}

/** What the task-replacer remembers per service. */
export interface ServiceMemory {
  readonly knownGood?: KnownGood;
  readonly lastRollbackAtMs?: number;
}

/** Ports and config of the task-replacer shell. */
export interface TaskReplacerDeps {
  readonly ecs: Ecs;
  readonly loadBalancer: LoadBalancer;
  readonly store: ObjectStore;
  readonly metrics: MetricSink;
  readonly clock: Clock;
  readonly log: Log;
  readonly config: FailoverRuntimeConfig;
}

/** What one run did. */
export type TaskReplacerResult = RecordedRun;

/** A probe state older than this is ignored (the prober runs every minute). */
const PROBE_STATE_MAX_AGE_MS = 180_000;
/** StopTask reasons are limited to 255 characters. */
const MAX_STOP_REASON = 255;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The stop reason Bulkhead gives ECS: the marker first, so later runs can count their own stops. */
export function stopReason(why: string, detail: string): string {
  return `${STOP_REASON_MARKER} ${why}: ${detail}`.slice(0, MAX_STOP_REASON);
}

/** Builds the task-replacer handler over ports: parse → gather → decide → act → record. */
export function createTaskReplacerHandler(deps: TaskReplacerDeps) {
  const { config, log, store, clock, ecs } = deps;
  const policy = config.policy;

  const recordTarget = { store, log, metrics: deps.metrics, fn: TASK_REPLACER, dryRun: policy.dryRun };
  const record = recorderFor(recordTarget);

  async function describeAll(arns: readonly string[]): Promise<EcsTask[]> {
    return arns.length ? ecs.describeTasks(config.clusterName, arns) : [];
  }

  async function readMemory(serviceName: string): Promise<{ memory: ServiceMemory; etag?: string }> {
    const object = await store.get(serviceStateKey(serviceName));
    if (!object) return { memory: {} };
    try {
      return { memory: JSON.parse(decoder.decode(object.body)) as ServiceMemory, etag: object.etag };
    } catch {
      log.warn('service memory unreadable; starting afresh', { serviceName });
      return { memory: {}, etag: object.etag };
    }
  }

  async function gather(nowMs: number) {
    const lookbackMs = Math.max(policy.guard.windowMs, policy.taskReplacer.crashLoopWindowMs);
    const [pause, services, audit] = await Promise.all([
      readPause(store, log),
      ecs.describeServices(
        config.clusterName,
        config.cells.map((c) => c.serviceName),
      ),
      readRecentAudit(store, log, TASK_REPLACER, nowMs - lookbackMs, nowMs),
    ]);
    const auditedStops = new Map<string, PastStop[]>();
    for (const r of audit) {
      for (const a of r.actions) {
        if (a.api !== 'StopTask' || a.result !== 'ok') continue;
        const service = (a.params as { serviceName?: string } | null)?.serviceName ?? '';
        auditedStops.set(service, [
          ...(auditedStops.get(service) ?? []),
          { taskArn: a.target, atMs: r.decidedAtMs },
        ]);
      }
    }
    const memories = new Map<string, { memory: ServiceMemory; etag?: string }>();
    const cells: TaskReplacerCell[] = [];
    for (const c of config.cells) {
      const service = services.find((s) => s.serviceName === c.serviceName);
      if (!service) {
        log.warn('service not found; cell skipped', { serviceName: c.serviceName, az: c.az });
        continue;
      }
      const [running, stopped, targets, probeObject, memory] = await Promise.all([
        ecs.listTasks(config.clusterName, c.serviceName, 'RUNNING').then(describeAll),
        ecs
          .listTasks(config.clusterName, c.serviceName, 'STOPPED')
          .then((arns) => describeAll(arns.slice(0, 100))),
        deps.loadBalancer.describeTargetHealth(c.targetGroupArn),
        store.get(probeStateKey(c.az)),
        readMemory(c.serviceName),
      ]);
      memories.set(c.serviceName, memory);
      const probe = parseProbeState(probeObject?.body);
      const fresh = probe && nowMs - probe.atMs <= PROBE_STATE_MAX_AGE_MS;
      cells.push({
        az: c.az,
        service,
        tasks: running,
        stoppedTasks: stopped,
        targets,
        probeFailures: fresh ? probe.consecutiveFailures : undefined,
        auditedStops: auditedStops.get(c.serviceName) ?? [],
        knownGood: memory.memory.knownGood,
        lastRollbackAtMs: memory.memory.lastRollbackAtMs,
      });
    }
    return { pause, cells, memories };
  }

  async function carryOut(decision: TaskReplacerDecision, mode: ActMode): Promise<AuditAction[]> {
    const actions: AuditAction[] = [];
    let stuckStopped = 0;
    for (const cell of decision.cells) {
      if (cell.kind === 'rollback') {
        actions.push(
          await act(
            mode,
            log,
            'UpdateService',
            cell.serviceName,
            { taskDefinition: cell.to, from: cell.from, az: cell.az },
            () => ecs.updateService(config.clusterName, cell.serviceName, { taskDefinition: cell.to }),
          ),
        );
      }
      if (cell.kind === 'stop-tasks') {
        for (const stop of cell.stops) {
          const reason = stopReason(stop.why, stop.detail);
          const done = await act(
            mode,
            log,
            'StopTask',
            stop.taskArn,
            { serviceName: cell.serviceName, az: cell.az, why: stop.why, reason },
            () => ecs.stopTask(config.clusterName, stop.taskArn, reason),
          );
          actions.push(done);
          if (stop.why === 'stuck' && done.result !== 'failed') stuckStopped++;
        }
      }
    }
    // Raise healthy cells only for stuck tasks that were actually stopped (or would have been).
    if (stuckStopped > 0) {
      for (const up of decision.scaleUps) {
        actions.push(
          await act(
            mode,
            log,
            'UpdateService',
            up.serviceName,
            { desiredCount: up.desiredCount, az: up.az },
            () => ecs.updateService(config.clusterName, up.serviceName, { desiredCount: up.desiredCount }),
          ),
        );
      }
    }
    return actions;
  }

  async function remember(
    decision: TaskReplacerDecision,
    actions: readonly AuditAction[],
    memories: Map<string, { memory: ServiceMemory; etag?: string }>,
    nowMs: number,
  ): Promise<AuditAction[]> {
    const writes: AuditAction[] = [];
    for (const [serviceName, current] of memories) {
      const knownGood = decision.knownGood[serviceName];
      const rolledBack = actions.some(
        (a) =>
          a.api === 'UpdateService' &&
          a.target === serviceName &&
          a.result === 'ok' &&
          'taskDefinition' in (a.params as object),
      );
      if (!knownGood && !rolledBack) continue;
      const next: ServiceMemory = {
        ...current.memory,
        ...(knownGood ? { knownGood } : {}),
        ...(rolledBack ? { lastRollbackAtMs: nowMs } : {}),
      };
      const key = serviceStateKey(serviceName);
      try {
        await store.put(
          key,
          encoder.encode(JSON.stringify(next)),
          current.etag
            ? { ifMatch: current.etag, contentType: 'application/json' }
            : { ifNoneMatch: '*', contentType: 'application/json' },
        );
        writes.push({ api: 'S3:PutObject', target: key, params: next, result: 'ok' });
      } catch (error) {
        log.error('service memory not saved', { serviceName, error: errorText(error) });
        writes.push({
          api: 'S3:PutObject',
          target: key,
          params: next,
          result: 'failed',
          error: errorText(error),
        });
      }
    }
    return writes;
  }

  /**
   * Never throws: an unexpected failure (the state bucket unreachable, say) is logged, counted and
   * recorded when possible, and the next scheduled run starts afresh, instead of a crash loop of
   * retries. Nothing was acted on unrecorded: every action records its own outcome.
   */
  return async function taskReplacerHandler(event: unknown): Promise<TaskReplacerResult> {
    try {
      return await handle(event);
    } catch (error) {
      return recordRunFailure(recordTarget, event, error, clock.nowMs());
    }
  };

  async function handle(event: unknown): Promise<TaskReplacerResult> {
    const nowMs = clock.nowMs();
    const parsed = taskReplacerEventSchema.safeParse(event);
    if (!parsed.success) {
      const eventId = looseEventId(event) ?? `malformed-${nowMs}`;
      const reason = `malformed event ignored: ${describeParseError(parsed.error)}`;
      log.error(reason, { eventId });
      return record(eventId, nowMs, 'none', reason);
    }
    const ev = parsed.data;
    let trigger: Record<string, unknown> = { type: 'schedule', time: ev.time };
    if (ev['detail-type'] === 'ECS Task State Change') {
      const d = ev.detail;
      if (d.clusterArn !== config.clusterArn) {
        const reason = `task state change of another cluster (${d.clusterArn}); ignored`;
        log.warn(reason, { eventId: ev.id });
        return record(ev.id, nowMs, 'none', reason, {
          inputs: { clusterArn: d.clusterArn, taskArn: d.taskArn },
        });
      }
      trigger = {
        type: 'task-state-change',
        taskArn: d.taskArn,
        lastStatus: d.lastStatus,
        group: d.group,
        az: d.availabilityZone,
      };
    }
    if (!(await claimEvent(store, TASK_REPLACER, ev.id, nowMs))) {
      const reason = `event ${ev.id} already handled (redelivery or duplicate); no action`;
      log.warn(reason, { eventId: ev.id });
      return record(ev.id, nowMs, 'none', reason, { inputs: { trigger } });
    }

    let gathered: Awaited<ReturnType<typeof gather>>;
    try {
      gathered = await gather(nowMs);
    } catch (error) {
      const reason = `gather failed, no action: ${errorText(error)}`;
      log.error(reason, { eventId: ev.id });
      return record(ev.id, nowMs, 'none', reason, { inputs: { trigger } });
    }
    const { pause, cells, memories } = gathered;
    const decision = decide({ nowMs, cells, policy });
    const mode: ActMode = { dryRun: policy.dryRun, paused: pause.paused };
    const live = !mode.dryRun && !mode.paused;
    const reason =
      decision.cells
        .filter((c) => c.kind !== 'none')
        .map((c) => `${c.az}: ${c.reason}`)
        .join(' | ') || 'nothing ECS leaves undone';
    const inputs = {
      trigger,
      pause: pause.paused ? { reason: pause.reason, by: pause.by, error: pause.error } : undefined,
      cells: cells.map((c) => ({
        az: c.az,
        service: c.service.serviceName,
        desired: c.service.desiredCount,
        running: c.service.runningCount,
        taskDefinition: c.service.taskDefinition,
        tasks: c.tasks.map((t) => ({
          arn: t.taskArn,
          status: t.lastStatus,
          ip: t.privateIp,
          createdAtMs: t.createdAtMs,
        })),
        probeFailures: c.probeFailures,
        knownGood: c.knownGood,
      })),
      scaleUps: decision.scaleUps,
      refused: decision.cells.flatMap((c) => (c.kind === 'stop-tasks' ? c.refused : [])),
    };
    let actions: AuditAction[] = [];
    const acting = decision.cells.some((c) => c.kind === 'rollback' || c.kind === 'stop-tasks');
    if (acting) {
      const parts = decision.cells.flatMap((c) =>
        c.kind === 'rollback'
          ? [`rollback:${c.serviceName}:${c.from}:${c.to}`]
          : c.kind === 'stop-tasks'
            ? c.stops.map((s) => `stop:${s.taskArn}`)
            : [],
      );
      const claimed = live
        ? await claimDecision(
            store,
            decisionMarkerKey(TASK_REPLACER, parts.sort()),
            fnv1a64(`${ev.id}:${nowMs}`),
            nowMs,
            60_000,
          )
        : undefined;
      if (live && !claimed) {
        const dup = `the same actions were already carried out; no action (${reason})`;
        log.warn(dup);
        return record(ev.id, nowMs, 'none', dup, { inputs });
      }
      actions = await carryOut(decision, mode);
      if (claimed) {
        const ok = actions.every((a) => a.result === 'ok');
        try {
          await finishDecision(store, claimed, ok ? 'done' : 'failed', clock.nowMs());
        } catch (error) {
          log.error('decision marker not finished', { error: errorText(error) });
        }
      }
    }
    actions.push(...(await remember(decision, live ? actions : [], memories, nowMs)));
    if (decision.summary.includes('alert-only')) log.warn(`alert-only: ${reason}`);
    return record(ev.id, nowMs, decision.summary, reason, { paused: pause.paused, inputs, actions });
  }
}
