import type {
  AlarmStateDetail,
  EventBridgeEvent,
  TaskStateDetail,
} from '../../lambdas/adapters/sim/aws-events';
import { SIM_EPOCH_MS } from '../../lambdas/adapters/sim/sim-clock';
import { type SimApiOptions, SimEcs } from '../../lambdas/adapters/sim/sim-ecs';
import { SimLoadBalancer } from '../../lambdas/adapters/sim/sim-load-balancer';
import {
  createCellTopology,
  createPlainEcsTopology,
  type Topology,
} from '../../lambdas/adapters/sim/topology';
import { resolveFailoverPolicy } from '../../lambdas/config/failover';
import type { AuditRecord } from '../../lambdas/core/audit-record';
import { RecordingLog } from '../../lambdas/ports/log';
import { VOLUME_BACKUP } from '../../lambdas/volume-backup/function';
import type { DrillContext, HandlerBinding, Integration } from './bindings';
import { computeFigures, type Figures } from './figures';
import { PowertoolsDimensionSink } from './powertools-sink';
import type { Fault, Scenario } from './scenario';
import { type AzBucket, BUCKET_S, type Bucket, type TimelineEvent } from './timeline';
import { type VolumeOutcome, VolumeUnderTest } from './volume';
import { wireBulkhead } from './wiring';

/** Which side of the comparison a run is. */
export type RunMode = 'bulkhead' | 'baseline';

/** One run of one scenario on one side. */
export interface RunResult {
  readonly scenario: string;
  readonly mode: RunMode;
  readonly seed: number;
  readonly durationS: number;
  readonly bucketS: number;
  readonly azs: readonly string[];
  readonly timeline: readonly Bucket[];
  readonly events: readonly TimelineEvent[];
  readonly figures: Figures;
  /** Which of Bulkhead's functions ran (bulkhead side only). */
  readonly integration: readonly Integration[];
  /** Handler invocations by function (deliveries, including duplicates). */
  readonly invocations: Readonly<Record<string, number>>;
  /** Successful Bulkhead API actions, for the storm checks. */
  readonly actions: readonly {
    t: number;
    actor: string;
    api: string;
    target: string;
    /** The service a StopTask's task belonged to (`service:<name>`), or the UpdateService target. */
    service?: string;
    params: unknown;
  }[];
  /** Tasks per AZ at the start. */
  readonly tasksPerAz: number;
  /** The task definition every service ran at the start (the last good one). */
  readonly startTaskDefinition: string;
  readonly volume?: VolumeOutcome;
  /** What Bulkhead's availability function reported in its last run (bulkhead side). */
  readonly availabilityFunction?: unknown;
}

/** Options of {@link runScenario}. */
export interface RunOptions {
  readonly scenario: Scenario;
  readonly mode: RunMode;
  readonly seed: number;
  /** Scratch directory for the data volume and the backup repository. */
  readonly workDir: string;
  /** Backup repository override (`--repo`), e.g. `s3://bucket/prefix`. */
  readonly repo?: string;
  /** S3-compatible endpoint of an `s3://` repo (`--endpoint`), e.g. s3rver's `http://127.0.0.1:4568`. */
  readonly endpoint?: string;
}

/** Runs one scenario on one side (Bulkhead's cells with its functions, or plain ECS) and records it. */
export async function runScenario(options: RunOptions): Promise<RunResult> {
  return (await simulate(options)).result;
}

/** A simulated world stopped at some time, for `bulkhead invoke` and `bulkhead status`. */
export interface SimWorld {
  readonly result: RunResult;
  readonly topology: Topology;
  readonly ctx: DrillContext;
  readonly bindings: readonly HandlerBinding[];
  /** Advances the world by `seconds` simulated seconds (faults, ECS, ALB, deliveries to functions). */
  readonly runFor: (seconds: number) => Promise<void>;
}

/**
 * Runs a scenario for `untilS` simulated seconds (default: its whole duration) and returns the
 * world as it stands then, with the function bindings, so one more event can be handed to a
 * function's real handler.
 */
export async function simulate(
  options: RunOptions & {
    readonly untilS?: number;
    /** Functions that get no events or schedules while the world plays (the one `invoke` will run). */
    readonly withhold?: readonly string[];
  },
): Promise<SimWorld> {
  const { scenario, mode, seed } = options;
  const topoOptions = {
    seed,
    azs: scenario.topology.azs,
    tasksPerAz: scenario.topology.tasksPerAz,
    rps: scenario.topology.rps,
    taskCapacityRps: scenario.topology.taskCapacityRps,
  };
  // The zone-shifter expects every in-service cell at its policy's equal weight; the listener starts there.
  const topology: Topology =
    mode === 'bulkhead'
      ? createCellTopology({ ...topoOptions, cellWeight: resolveFailoverPolicy({}).zoneShift.equalWeight })
      : createPlainEcsTopology(topoOptions);
  const { region } = topology;
  region.bus.policy = {
    latencyS: region.timing.eventDeliveryS,
    duplicateRate: scenario.events.duplicateRate,
    jitterS: scenario.events.jitterS,
  };
  const apiFaults: { throttleRate: number; rng: SimApiOptions['rng'] } = {
    throttleRate: 0,
    rng: region.stream('throttle'),
  };
  const ecs = new SimEcs(region, apiFaults);
  const loadBalancer = new SimLoadBalancer(region, apiFaults);
  const log = new RecordingLog();
  const volume = scenario.volume
    ? await VolumeUnderTest.create(
        options.workDir,
        mode,
        seed,
        scenario.volume.files,
        options.repo,
        options.endpoint,
      )
    : undefined;
  // Simulated sleep: a sleeper wakes when the loop below has advanced the clock far enough.
  const sleepers: { wakeMs: number; resolve: () => void }[] = [];
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => sleepers.push({ wakeMs: region.nowMs() + Math.max(0, ms), resolve }));
  const ctx: DrillContext = {
    topology,
    scenario,
    ports: { ecs, loadBalancer, clock: region.clock, log },
    rng: region.stream('functions'),
    sleep,
    volumeDir: volume?.dir,
    repoDir: volume?.repoDir,
  };
  const wiring =
    mode === 'bulkhead'
      ? wireBulkhead(ctx)
      : { bindings: [] as HandlerBinding[], alarms: [], integration: [] };
  for (const alarm of wiring.alarms) region.addAlarm(alarm);
  const withheld = (name: string) => options.withhold?.includes(name) ?? false;
  const active = wiring.bindings.filter((b) => !withheld(b.name));
  const byName = new Map(active.map((b) => [b.name, b]));
  for (const b of active) if (b.matches) region.addRule(`${b.name}-rule`, b.name, b.matches);
  for (const b of active)
    if (b.scheduleS)
      region.addRule(`${b.name}-schedule`, b.name, (e) => isScheduleFor(e, `${b.name}-schedule`));

  const startDesired = region.describeServices([topology.cells[0].serviceName])[0]?.desiredCount ?? 0;
  const tasksPerAz =
    topology.kind === 'bulkhead' ? startDesired : Math.round(startDesired / topology.azs.length);
  const events: TimelineEvent[] = [];
  const timeline: Bucket[] = [];
  const actions: RunResult['actions'][number][] = [];
  const invocations: Record<string, number> = {};
  const t = () => (region.nowMs() - SIM_EPOCH_MS) / 1000;
  let apiSeen = 0;
  let busSeen = 0;
  const auditSeen = new Set<string>();
  const lastEcsActionByAz = new Map<string, number>();
  const lastEcsDetectByAz = new Map<string, number>();
  const lastAlbDetectByAz = new Map<string, number>();
  let transitionsSeen = 0;

  const collectAudit = async (actor: string) => {
    for await (const info of region.objects.list('audit/')) {
      if (auditSeen.has(info.key)) continue;
      auditSeen.add(info.key);
      const obj = await region.objects.get(info.key);
      if (!obj) continue;
      let record: Partial<AuditRecord>;
      try {
        record = JSON.parse(new TextDecoder().decode(obj.body)) as Partial<AuditRecord>;
      } catch {
        events.push({ t: t(), kind: 'error', actor, summary: `unreadable audit record ${info.key}` });
        continue;
      }
      const decision = String(record.decision ?? 'unknown');
      events.push({
        t: t(),
        kind: 'decision',
        actor: record.function ?? actor,
        az: record.az,
        summary: `${decision}${record.az ? ` ${record.az}` : ''}: ${record.reason ?? ''}`,
        detail: {
          id: record.id,
          eventId: record.eventId,
          decision,
          dryRun: record.dryRun,
          paused: record.paused,
        },
      });
      if (decision !== 'none')
        events.push({
          t: t(),
          kind: 'detected',
          actor: record.function ?? actor,
          az: record.az,
          summary: `${decision}`,
        });
    }
  };

  const collectApi = (actor: string) => {
    for (; apiSeen < region.apiCalls.length; apiSeen++) {
      const call = region.apiCalls[apiSeen];
      if (call.ok) {
        const service =
          call.api === 'StopTask'
            ? region.describeTasks([call.target])[0]?.group
            : call.api === 'UpdateService'
              ? `service:${call.target}`
              : undefined;
        actions.push({
          t: t(),
          actor,
          api: call.api,
          target: call.target,
          ...(service ? { service } : {}),
          params: call.params,
        });
        events.push({
          t: t(),
          kind: 'action',
          actor,
          summary: `${call.api} ${shortArn(call.target)} ${JSON.stringify(simplify(call.params, topology))}`,
          detail: call.params,
        });
      } else {
        events.push({
          t: t(),
          kind: 'error',
          actor,
          summary: `${call.api} ${shortArn(call.target)} failed: ${call.error}`,
        });
      }
    }
  };

  const collectPlatform = () => {
    for (; busSeen < region.bus.published.length; busSeen++) {
      const { event } = region.bus.published[busSeen];
      if (event['detail-type'] === 'CloudWatch Alarm State Change') {
        const d = event.detail as AlarmStateDetail;
        if (d.state.value === 'ALARM')
          events.push({
            t: t(),
            kind: 'detected',
            actor: 'cloudwatch',
            summary: `alarm ${d.alarmName} → ALARM`,
          });
        else if (d.previousState.value === 'ALARM')
          events.push({
            t: t(),
            kind: 'note',
            actor: 'cloudwatch',
            summary: `alarm ${d.alarmName} → ${d.state.value}`,
          });
      } else if (event['detail-type'] === 'ECS Task State Change') {
        const d = event.detail as TaskStateDetail;
        const az = d.availabilityZone;
        // ECS's own detection: an essential container exited, or a launch failed.
        if (
          d.lastStatus === 'STOPPED' &&
          (d.stopCode === 'EssentialContainerExited' || d.stopCode === 'TaskFailedToStart')
        ) {
          if (t() - (lastEcsDetectByAz.get(az) ?? Number.NEGATIVE_INFINITY) >= 60)
            events.push({
              t: t(),
              kind: 'detected',
              actor: 'ecs',
              az,
              summary: `task stopped in ${az}: ${d.stoppedReason}`,
            });
          lastEcsDetectByAz.set(az, t());
        }
        // ECS's own mitigation: launching a task (a replacement, or a scale-up someone asked for).
        if (d.lastStatus === 'PROVISIONING') {
          if (t() - (lastEcsActionByAz.get(az) ?? Number.NEGATIVE_INFINITY) >= 60)
            events.push({ t: t(), kind: 'action', actor: 'ecs', az, summary: `launching task(s) in ${az}` });
          lastEcsActionByAz.set(az, t());
        }
      }
    }
    // ALB's detection: a target turning unhealthy (ECS then drains it at once, so the state is brief).
    for (; transitionsSeen < region.targetTransitions.length; transitionsSeen++) {
      const tr = region.targetTransitions[transitionsSeen];
      if (tr.to !== 'unhealthy') continue;
      const last = lastAlbDetectByAz.get(tr.az) ?? Number.NEGATIVE_INFINITY;
      if (t() - last >= 60)
        events.push({
          t: t(),
          kind: 'detected',
          actor: 'alb',
          az: tr.az,
          summary: `target ${tr.id} unhealthy in ${tr.az}`,
        });
      lastAlbDetectByAz.set(tr.az, t());
    }
  };

  const background = new Set<Promise<void>>();
  let availabilityReport: unknown;
  const invoke = async (binding: HandlerBinding, event: unknown) => {
    invocations[binding.name] = (invocations[binding.name] ?? 0) + 1;
    if (binding.background) {
      const running: Promise<void> = binding
        .invoke(event)
        .then(
          () => undefined,
          (error) => {
            events.push({
              t: t(),
              kind: 'error',
              actor: binding.name,
              summary: `handler threw: ${String(error)}`,
            });
          },
        )
        .finally(() => background.delete(running));
      background.add(running);
      await settle();
      return;
    }
    try {
      const result = (await binding.invoke(event)) as { kind?: string; report?: unknown } | undefined;
      if (binding.name === 'availability' && result?.kind === 'report') availabilityReport = result.report;
    } catch (error) {
      events.push({
        t: t(),
        kind: 'error',
        actor: binding.name,
        summary: `handler threw: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    collectApi(binding.name);
    await collectAudit(binding.name);
  };

  const applyFault = async (fault: Fault, starting: boolean) => {
    const az = 'az' in fault ? fault.az : undefined;
    events.push({
      t: t(),
      kind: starting ? 'fault-start' : 'fault-end',
      actor: 'scenario',
      az,
      summary: `${fault.kind}${az ? ` ${az}` : ''}${starting ? '' : ' cleared'}`,
      detail: fault,
    });
    switch (fault.kind) {
      case 'outage':
        region.setAzFault(fault.az, starting ? { kind: 'outage' } : undefined);
        break;
      case 'gray':
        region.setAzFault(
          fault.az,
          starting
            ? {
                kind: 'gray',
                errorRate: fault.errorRate,
                addedLatencyMs: fault.addedLatencyMs,
                affectedShare: fault.affectedShare,
              }
            : undefined,
        );
        break;
      case 'no-capacity':
        region.setAzFault(fault.az, starting ? { kind: 'no-capacity' } : undefined);
        if (starting && fault.killShare > 0) region.killTasks(fault.az, fault.killShare);
        break;
      case 'crash-loop':
        region.setTaskDefinitionBehaviour(
          topology.taskDefinitions.current,
          starting ? { crash: { fromMs: region.nowMs(), afterStartS: 0, spreadS: fault.spreadS } } : {},
        );
        break;
      case 'bad-deploy': {
        if (!starting) break;
        const bad = region.registerTaskDefinition('web', {
          crash: {
            fromMs: region.nowMs() + fault.crashAfterS * 1000,
            afterStartS: 0,
            spreadS: fault.spreadS,
          },
        });
        // The operator's deployment, not Bulkhead's: it goes straight to the region, not through a port.
        for (const cell of topology.cells) region.updateService(cell.serviceName, { taskDefinition: bad });
        events.push({
          t: t(),
          kind: 'note',
          actor: 'scenario',
          summary: `deployed ${bad.split('/').pop()} to every cell`,
        });
        break;
      }
      case 'throttle':
        apiFaults.throttleRate = starting ? fault.rate : 0;
        break;
      case 'delete-file':
        if (starting && volume) {
          await volume.deleteFile(fault.path);
          const outcome = await volume.recover(fault.path, mode);
          events.push({
            t: t(),
            kind: outcome.restored ? 'action' : 'note',
            actor: outcome.actor,
            summary: outcome.summary,
          });
        }
        break;
    }
  };

  let bucket = newBucketAccumulator(topology.azs);
  const endS = Math.min(scenario.durationS, options.untilS ?? scenario.durationS);
  let clockS = 0;
  /** One simulated second: faults, the region's tick, sleepers, schedules, deliveries, sampling. */
  const step = async (s: number) => {
    for (const fault of scenario.faults) {
      if (fault.at === s) await applyFault(fault, true);
      if ('until' in fault && fault.until === s) await applyFault(fault, false);
    }
    // The scheduled backup is the volume-backup function's run: it sits out when `invoke` withholds it.
    if (volume && scenario.volume && s === scenario.volume.backupAtS && !withheld(VOLUME_BACKUP)) {
      const outcome = await volume.backup(
        mode,
        () => region.nowMs(),
        new PowertoolsDimensionSink(region.metrics, 'volume-backup'),
      );
      events.push({ t: t(), kind: 'note', actor: outcome.actor, summary: outcome.summary });
    }
    region.tick();
    for (const sleeper of sleepers.filter((x) => x.wakeMs <= region.nowMs())) {
      sleepers.splice(sleepers.indexOf(sleeper), 1);
      sleeper.resolve();
    }
    if (background.size > 0) await settle();
    for (const b of active)
      if (b.scheduleS && Math.round(t()) % b.scheduleS === 0) region.putScheduledEvent(`${b.name}-schedule`);
    collectPlatform();
    for (const delivery of region.bus.takeDue(region.nowMs())) {
      const binding = byName.get(delivery.target);
      if (binding) await invoke(binding, delivery.event);
    }
    collectPlatform();
    for (const [az, v] of Object.entries(region.lastTraffic?.perAz ?? {})) {
      let a = bucket.az[az];
      if (!a) {
        a = { requests: 0, failed: 0 };
        bucket.az[az] = a;
      }
      a.requests += v.requests;
      a.failed += v.failed;
    }
    if ((s + 1) % BUCKET_S === 0) {
      timeline.push(closeBucket(s + 1 - BUCKET_S, bucket, topology));
      bucket = newBucketAccumulator(topology.azs);
    }
  };
  for (; clockS < endS; clockS++) await step(clockS);
  /** Runs the world on for `seconds` more (sampling stops at the scenario's end). */
  const runFor = async (seconds: number) => {
    for (let i = 0; i < seconds; i++, clockS++) await step(clockS);
  };

  // Let invocations still running finish: wake each sleeper (an invocation past the end of the
  // drill sees no more ticks), at most a bounded number of times.
  for (let round = 0; background.size > 0 && round < 1000; round++) {
    for (const sleeper of sleepers.splice(0)) sleeper.resolve();
    await settle();
  }
  events.sort((a, b) => a.t - b.t);
  const result: RunResult = {
    scenario: scenario.name,
    mode,
    seed,
    durationS: endS,
    bucketS: BUCKET_S,
    azs: topology.azs,
    timeline,
    events,
    figures: computeFigures(timeline, events),
    integration: wiring.integration,
    invocations,
    actions,
    tasksPerAz,
    startTaskDefinition: topology.taskDefinitions.current,
    ...(volume ? { volume: volume.outcome() } : {}),
    ...(availabilityReport ? { availabilityFunction: summarizeAvailability(availabilityReport) } : {}),
  };
  return { result, topology, ctx, bindings: wiring.bindings, runFor };
}

/**
 * Lets started background invocations run until they wait again: the sim's ports resolve at once
 * and use no timers, so one macrotask turn drains every pending continuation.
 */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The service-scope figures the availability function computed in its last run (1-hour window). */
function summarizeAvailability(report: unknown): unknown {
  const r = report as { scopes?: Record<string, { windows?: Record<string, unknown> }> };
  return {
    note: "the availability function's own last report, service scope, 1h window",
    figures: r.scopes?.service?.windows?.['1h'],
  };
}

function isScheduleFor(event: EventBridgeEvent<unknown>, rule: string): boolean {
  return event['detail-type'] === 'Scheduled Event' && event.resources.some((r) => r.endsWith(`/${rule}`));
}

function newBucketAccumulator(azs: readonly string[]): {
  az: Record<string, { requests: number; failed: number }>;
} {
  return { az: Object.fromEntries(azs.map((az) => [az, { requests: 0, failed: 0 }])) };
}

function closeBucket(
  t: number,
  acc: { az: Record<string, { requests: number; failed: number }> },
  topology: Topology,
): Bucket {
  const { region } = topology;
  const healthy = region.healthyTargetsByAz();
  const tasks = region.allTasks();
  let weights: Record<string, number> | undefined;
  if (topology.kind === 'bulkhead') {
    const w = region.listenerWeights(topology.listenerArn);
    const sum = w.reduce((a, x) => a + x.weight, 0);
    weights = {};
    for (const cell of topology.cells) {
      const entry = w.find((x) => x.targetGroupArn === cell.targetGroupArn);
      if (cell.az) weights[cell.az] = sum > 0 ? (entry?.weight ?? 0) / sum : 0;
    }
  }
  const az: Record<string, AzBucket> = {};
  let requests = 0;
  let failed = 0;
  for (const [name, v] of Object.entries(acc.az)) {
    requests += v.requests;
    failed += v.failed;
    az[name] = {
      requests: v.requests,
      failed: v.failed,
      weightShare: weights ? Number((weights[name] ?? 0).toFixed(4)) : null,
      healthy: healthy[name] ?? 0,
      running: tasks.filter((x) => x.availabilityZone === name && x.lastStatus === 'RUNNING').length,
      wanted: tasks.filter((x) => x.availabilityZone === name && x.desiredStatus === 'RUNNING').length,
    };
  }
  return { t, requests, failed, az };
}

function shortArn(arn: string): string {
  const parts = arn.split('/');
  return parts.length > 1 ? parts.slice(-2).join('/') : arn;
}

/** Replaces target group ARNs by their AZ in action summaries, so a reader sees `{us-east-1b: 0}`. */
function simplify(params: unknown, topology: Topology): unknown {
  const p = params as { weights?: { targetGroupArn: string; weight: number }[] } | undefined;
  if (p?.weights)
    return Object.fromEntries(
      p.weights.map((w) => [
        topology.cells.find((c) => c.targetGroupArn === w.targetGroupArn)?.az ?? w.targetGroupArn,
        w.weight,
      ]),
    );
  return params;
}
