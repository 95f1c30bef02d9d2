import type { FailoverRuntimeConfig } from '../config/failover-runtime';
import type { AuditAction } from '../core/audit-record';
import { cellMetricQueries, probeMetricQueries, seriesToPeriods } from '../core/cell-metrics';
import { type AzHealth, assessAzs } from '../core/detection';
import {
  describeParseError,
  looseEventId,
  parseAlarmName,
  zoneShifterEventSchema,
} from '../core/failover-events';
import { decisionMarkerKey, fnv1a64 } from '../core/idempotency';
import { acquireLease, releaseLease } from '../core/lease';
import type { Clock } from '../ports/clock';
import type { Ecs } from '../ports/ecs';
import type { LoadBalancer } from '../ports/load-balancer';
import type { Log } from '../ports/log';
import type { MetricReader, MetricSink } from '../ports/metrics';
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
  recorderFor,
  recordRunFailure,
} from '../shell/failover-io';
import {
  type CellTargets,
  type DesiredChange,
  decide,
  type ZoneShifterCell,
  type ZoneShifterDecision,
} from './decide';
import {
  INITIAL_SHIFT,
  parseShiftState,
  SHIFT_STATE_KEY,
  type ShiftState,
  serializeShiftState,
  ZONE_SHIFTER_LEASE_KEY,
} from './shift-state';

/** The function's name in audit records, markers and metrics. */
export const ZONE_SHIFTER = 'zone-shifter';

/** Ports and config of the zone-shifter shell. */
export interface ZoneShifterDeps {
  readonly ecs: Ecs;
  readonly loadBalancer: LoadBalancer;
  readonly metricReader: MetricReader;
  readonly store: ObjectStore;
  readonly metrics: MetricSink;
  readonly clock: Clock;
  readonly log: Log;
  readonly config: FailoverRuntimeConfig;
}

/** What one run did. */
export type ZoneShifterResult = RecordedRun;

/** The Lambda runtime context, as far as the shell uses it. */
export interface RunContext {
  getRemainingTimeInMillis(): number;
}

/** Below this much remaining time a run records instead of starting to act. */
const MIN_TIME_TO_ACT_MS = 5_000;

const decoder = new TextDecoder();

/** Builds the zone-shifter handler over ports: parse → gather → decide → act → record. */
export function createZoneShifterHandler(deps: ZoneShifterDeps) {
  const { config, log, store, clock } = deps;
  const policy = config.policy;

  const recordTarget = { store, log, metrics: deps.metrics, fn: ZONE_SHIFTER, dryRun: policy.dryRun };
  const record = recorderFor(recordTarget);

  async function gatherHealth(nowMs: number): Promise<Record<string, AzHealth>> {
    const d = policy.detection;
    const periodMs = d.periodSeconds * 1000;
    const maxHold = Math.max(
      policy.zoneShift.minRecoveryHoldMs,
      policy.zoneShift.hysteresisFactor * d.evaluationPeriods * periodMs,
    );
    const periods = Math.min(120, d.evaluationPeriods + Math.ceil(maxHold / periodMs) + 1);
    const endMs = Math.floor(nowMs / periodMs) * periodMs;
    const startMs = endMs - periods * periodMs;
    const queries = cellMetricQueries(config.cells, config.listenerArn, d.periodSeconds);
    const series = await deps.metricReader.getMetricData(queries, startMs, endMs);
    const samples = seriesToPeriods(config.cells, series, startMs, endMs, d.periodSeconds);
    return assessAzs(
      config.cells.map((c) => c.az),
      samples,
      d,
      await gatherProbeWindow(nowMs),
    );
  }

  /** The prober's last complete high-resolution periods (its fast path); none when it is off. */
  async function gatherProbeWindow(nowMs: number) {
    const d = policy.detection;
    if (d.probeWindowPeriods <= 0) return [];
    const periodMs = d.probePeriodSeconds * 1000;
    const endMs = Math.floor(nowMs / periodMs) * periodMs;
    const startMs = endMs - d.probeWindowPeriods * periodMs;
    const queries = probeMetricQueries(config.cells, config.listenerArn, d.probePeriodSeconds);
    const series = await deps.metricReader.getMetricData(queries, startMs, endMs);
    return seriesToPeriods(config.cells, series, startMs, endMs, d.probePeriodSeconds);
  }

  /** A cell's target counts now; undefined when target health cannot be read (decide ignores it). */
  async function readCellTargets(targetGroupArn: string): Promise<CellTargets | undefined> {
    try {
      const targets = await deps.loadBalancer.describeTargetHealth(targetGroupArn);
      const healthy = targets.filter((t) => t.state === 'healthy').length;
      const initial = targets.filter((t) => t.state === 'initial').length;
      return { healthy, initial, other: targets.length - healthy - initial };
    } catch (error) {
      log.warn('target health could not be read; the no-healthy-target check is skipped', {
        targetGroupArn,
        error: errorText(error),
      });
      return undefined;
    }
  }

  async function readShift(): Promise<{ shift: ShiftState; etag?: string; note?: string }> {
    const object = await store.get(SHIFT_STATE_KEY);
    const parsed = parseShiftState(object?.body);
    if (!parsed) return { shift: INITIAL_SHIFT };
    if ('error' in parsed) {
      // An unreadable state must not wedge every run; the listener (drift check) stays the truth.
      log.error('shift state unreadable; starting from steady', {
        key: SHIFT_STATE_KEY,
        error: parsed.error,
      });
      return { shift: INITIAL_SHIFT, etag: object?.etag, note: parsed.error };
    }
    return { shift: parsed, etag: object?.etag };
  }

  async function saveShift(next: ShiftState, etag: string | undefined): Promise<AuditAction> {
    const params = { phase: next.phase, revision: next.revision };
    try {
      await store.put(
        SHIFT_STATE_KEY,
        serializeShiftState(next),
        etag
          ? { ifMatch: etag, contentType: 'application/json' }
          : { ifNoneMatch: '*', contentType: 'application/json' },
      );
      return { api: 'S3:PutObject', target: SHIFT_STATE_KEY, params, result: 'ok' };
    } catch (error) {
      log.error('shift state could not be saved', { error: errorText(error) });
      return {
        api: 'S3:PutObject',
        target: SHIFT_STATE_KEY,
        params,
        result: 'failed',
        error: errorText(error),
      };
    }
  }

  async function carryOut(decision: ZoneShifterDecision, mode: ActMode, cells: readonly ZoneShifterCell[]) {
    const actions: AuditAction[] = [];
    if (decision.kind === 'none' || decision.kind === 'alert-only') return { actions, weightsOk: true };
    const weights = decision.weights;
    const listener = await act(mode, log, 'ModifyListener', config.listenerArn, { weights }, () =>
      deps.loadBalancer.setListenerWeights(config.listenerArn, weights),
    );
    actions.push(listener);
    if (listener.result === 'failed') {
      // Without the traffic move, scaling would be a partial action with no purpose: stop here.
      return { actions, weightsOk: false };
    }
    const changes =
      decision.kind === 'evacuate'
        ? decision.scaleUps
        : decision.kind === 'restore'
          ? decision.scaleDowns
          : [];
    actions.push(...(await updateServices(changes, mode, cells)));
    return { actions, weightsOk: true };
  }

  /** One UpdateService per change, for services of this stack only; each records its outcome. */
  async function updateServices(
    changes: readonly DesiredChange[],
    mode: ActMode,
    cells: readonly ZoneShifterCell[],
  ): Promise<AuditAction[]> {
    const actions: AuditAction[] = [];
    for (const change of changes) {
      if (!cells.some((c) => c.serviceName === change.serviceName)) continue;
      actions.push(
        await act(mode, log, 'UpdateService', change.serviceName, { desiredCount: change.desiredCount }, () =>
          deps.ecs.updateService(config.clusterName, change.serviceName, {
            desiredCount: change.desiredCount,
          }),
        ),
      );
    }
    return actions;
  }

  /**
   * Never throws: an unexpected failure (the state bucket unreachable, say) is logged, counted and
   * recorded when possible, and the next scheduled run starts afresh, instead of a crash loop of
   * retries. Nothing was acted on unrecorded: every action records its own outcome.
   */
  return async function zoneShifterHandler(event: unknown, context?: RunContext): Promise<ZoneShifterResult> {
    try {
      return await handle(event, context);
    } catch (error) {
      return recordRunFailure(recordTarget, event, error, clock.nowMs());
    }
  };

  async function handle(event: unknown, context?: RunContext): Promise<ZoneShifterResult> {
    const nowMs = clock.nowMs();
    const parsed = zoneShifterEventSchema.safeParse(event);
    if (!parsed.success) {
      const eventId = looseEventId(event) ?? `malformed-${nowMs}`;
      const reason = `malformed event ignored: ${describeParseError(parsed.error)}`;
      log.error(reason, { eventId });
      return record(eventId, nowMs, 'none', reason, { inputs: { event: truncate(event) } });
    }
    const ev = parsed.data;
    let trigger: Record<string, unknown> = { type: 'schedule', time: ev.time };
    if (ev['detail-type'] === 'CloudWatch Alarm State Change') {
      const { alarmName, state } = ev.detail;
      const ours = parseAlarmName(alarmName, config.alarmPrefix);
      if (!ours) {
        const reason = `alarm ${alarmName} is not one of this stack's impairment alarms; ignored`;
        log.warn(reason, { eventId: ev.id });
        return record(ev.id, nowMs, 'none', reason, { inputs: { alarmName } });
      }
      if (!config.cells.some((c) => c.az === ours.az)) {
        const reason = `alarm ${alarmName} names AZ ${ours.az}, which is not a cell of this stack; ignored`;
        log.warn(reason, { eventId: ev.id });
        return record(ev.id, nowMs, 'none', reason, { az: ours.az, inputs: { alarmName } });
      }
      trigger = { type: 'alarm', alarmName, state: state.value, az: ours.az };
    }

    if (!(await claimEvent(store, ZONE_SHIFTER, ev.id, nowMs))) {
      const reason = `event ${ev.id} already handled (redelivery or duplicate); no action`;
      log.warn(reason, { eventId: ev.id });
      return record(ev.id, nowMs, 'none', reason, { inputs: { trigger } });
    }

    const lease = await acquireLease(
      store,
      ZONE_SHIFTER_LEASE_KEY,
      `${ZONE_SHIFTER}:${ev.id}`,
      config.runLeaseTtlMs,
      nowMs,
    );
    if (!lease.ok) {
      const reason = `another zone-shifter run (${lease.heldBy.holder}) holds the lease until ${new Date(lease.heldBy.expiresAtMs).toISOString()}; it evaluates the same state`;
      log.warn(reason, { eventId: ev.id });
      return record(ev.id, nowMs, 'none', reason, { inputs: { trigger } });
    }
    try {
      return await runLeased(ev.id, nowMs, trigger, context);
    } finally {
      try {
        await releaseLease(store, lease.lease);
      } catch (error) {
        log.warn('run lease not released; it expires by TTL', { error: errorText(error) });
      }
    }
  }

  async function runLeased(
    eventId: string,
    nowMs: number,
    trigger: Record<string, unknown>,
    context: RunContext | undefined,
  ): Promise<ZoneShifterResult> {
    let gathered: {
      pause: Awaited<ReturnType<typeof readPause>>;
      shift: Awaited<ReturnType<typeof readShift>>;
      listenerWeights: Awaited<ReturnType<LoadBalancer['getListenerWeights']>>;
      cells: ZoneShifterCell[];
      healthError?: string;
    };
    try {
      const [pause, shift, listenerWeights, services, targets] = await Promise.all([
        readPause(store, log),
        readShift(),
        deps.loadBalancer.getListenerWeights(config.listenerArn),
        deps.ecs.describeServices(
          config.clusterName,
          config.cells.map((c) => c.serviceName),
        ),
        Promise.all(config.cells.map((c) => readCellTargets(c.targetGroupArn))),
      ]);
      let health: Record<string, AzHealth> = {};
      let healthError: string | undefined;
      try {
        health = await gatherHealth(nowMs);
      } catch (error) {
        // Without metrics every AZ reads as unknown: decide() then never evacuates, and a held
        // shift can still expire by its lease.
        healthError = errorText(error);
        log.error('metrics could not be read; every AZ is unknown this run', { error: healthError });
      }
      const cells = config.cells.map((c, i) => {
        const service = services.find((s) => s.serviceName === c.serviceName);
        return {
          az: c.az,
          targetGroupArn: c.targetGroupArn,
          serviceName: c.serviceName,
          desiredCount: service?.desiredCount ?? 0,
          runningCount: service?.runningCount ?? 0,
          health: health[c.az],
          targets: targets[i],
        };
      });
      gathered = { pause, shift, listenerWeights, cells, healthError };
    } catch (error) {
      const reason = `gather failed, no action: ${errorText(error)}`;
      log.error(reason, { eventId });
      return record(eventId, nowMs, 'none', reason, { inputs: { trigger } });
    }

    const { pause, shift, listenerWeights, cells, healthError } = gathered;
    const decision = decide({ nowMs, cells, listenerWeights, shift: shift.shift, policy });
    const mode: ActMode = { dryRun: policy.dryRun, paused: pause.paused };
    const inputs = {
      trigger,
      shift: shift.shift,
      listenerWeights,
      cells: cells.map((c) => ({
        az: c.az,
        desired: c.desiredCount,
        running: c.runningCount,
        status: c.health?.status ?? 'unknown',
        recent: c.health?.recent,
        detectionMs: c.health?.detectionMs,
        goodForMs: c.health?.goodForMs,
        why: c.health?.why,
        targets: c.targets,
      })),
      healthError,
      pause: pause.paused ? { reason: pause.reason, by: pause.by, error: pause.error } : undefined,
      drift: decision.drift,
    };
    if (decision.drift)
      log.warn('listener drift detected', {
        expected: decision.drift.expected,
        actual: decision.drift.actual,
      });
    const az = 'az' in decision ? decision.az : undefined;
    const live = !mode.dryRun && !mode.paused;

    if (decision.kind === 'none' || decision.kind === 'alert-only') {
      const actions: AuditAction[] = [];
      if (decision.next && live) actions.push(await saveShift(decision.next, shift.etag));
      // A held shift converging: re-issue its scale-ups (absolute counts, so a repeat is harmless;
      // this event ID was claimed above, so it cannot run twice for one event). No cooldown reset.
      const converge = decision.kind === 'none' ? (decision.converge ?? []) : [];
      if (converge.length > 0 && !(context && context.getRemainingTimeInMillis() < MIN_TIME_TO_ACT_MS))
        actions.push(...(await updateServices(converge, mode, cells)));
      if (decision.kind === 'alert-only') log.warn(`alert-only: ${decision.reason}`, { azs: decision.azs });
      return record(eventId, nowMs, decision.kind, decision.reason, {
        az,
        paused: pause.paused,
        inputs,
        actions,
      });
    }

    if (context && context.getRemainingTimeInMillis() < MIN_TIME_TO_ACT_MS) {
      const reason = `${decision.kind} decided but only ${context.getRemainingTimeInMillis()} ms left; not starting (${decision.reason})`;
      log.error(reason);
      return record(eventId, nowMs, 'none', reason, { az, paused: pause.paused, inputs });
    }

    const step = decision.kind === 'restore' ? decision.step : '';
    const markerKey = decisionMarkerKey(ZONE_SHIFTER, [decision.kind, az ?? '', step, shift.shift.revision]);
    const decisionId = fnv1a64(`${eventId}:${nowMs}`);
    let claimed: Awaited<ReturnType<typeof claimDecision>>;
    if (live) {
      claimed = await claimDecision(store, markerKey, decisionId, nowMs, config.runLeaseTtlMs);
      if (!claimed) {
        const reason = `${decision.kind} ${az ?? ''} from revision ${shift.shift.revision} was already carried out; no action`;
        log.warn(reason);
        return record(eventId, nowMs, 'none', reason, { az, inputs });
      }
    }
    const { actions, weightsOk } = await carryOut(decision, mode, cells);
    if (live && weightsOk) actions.push(await saveShift(decision.next!, shift.etag));
    if (claimed) {
      const ok = actions.every((a) => a.result === 'ok');
      try {
        await finishDecision(store, claimed, ok ? 'done' : 'failed', clock.nowMs());
      } catch (error) {
        log.error('decision marker not finished; a later run may retry after it goes stale', {
          error: errorText(error),
        });
      }
    }
    return record(eventId, nowMs, decision.kind, decision.reason, {
      az,
      paused: pause.paused,
      inputs,
      actions,
    });
  }
}

function truncate(event: unknown): unknown {
  try {
    const text = JSON.stringify(event);
    return text === undefined
      ? String(event)
      : text.length > 2000
        ? `${text.slice(0, 2000)}…`
        : JSON.parse(text);
  } catch {
    return String(event);
  }
}

/** Decodes an object body as JSON (for tests and tools reading the state bucket). */
export function decodeJson(body: Uint8Array): unknown {
  return JSON.parse(decoder.decode(body));
}
