import type { EcsDeployment, EcsService, EcsTask, TaskStatus } from '../../ports/ecs';
import type { TargetGroupWeight, TargetHealth, TargetState } from '../../ports/load-balancer';
import { MemoryObjectStore } from '../memory/memory-object-store';
import {
  type AlarmState,
  alarmStateChangeEvent,
  alarmTimestamp,
  type EventBridgeEvent,
  scheduledEvent,
  taskStateChangeEvent,
} from './aws-events';
import { Prng } from './prng';
import { SimClock } from './sim-clock';
import { SimEventBus } from './sim-event-bus';
import { SimMetricStore } from './sim-metric-store';
import type {
  ApiCall,
  AzFault,
  SimServiceOptions,
  SimTargetGroupOptions,
  TaskDefinitionBehaviour,
  TrafficTick,
} from './sim-types';
import { DEFAULT_TIMING, type HealthCheckSettings, type SimTiming } from './timing';

/** Options of a {@link SimRegion}. */
export interface SimRegionOptions {
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '111111111111' */
  readonly account?: string;
  /** @default 'bulkhead' */
  readonly clusterName?: string;
  /** The seed of every random draw. */
  readonly seed: number;
  /** @default DEFAULT_TIMING */
  readonly timing?: Partial<SimTiming>;
  /** Requests one task serves per second before it saturates. @default 25 */
  readonly taskCapacityRps?: number;
}

interface SimTaskDefinition {
  readonly arn: string;
  readonly family: string;
  readonly revision: number;
  readonly behaviour: TaskDefinitionBehaviour;
}

interface SimDeployment {
  readonly id: string;
  status: EcsDeployment['status'];
  rolloutState: 'COMPLETED' | 'FAILED' | 'IN_PROGRESS';
  readonly taskDefinition: string;
  readonly createdAtMs: number;
  updatedAtMs: number;
  failedTasks: number;
}

interface SimService {
  readonly name: string;
  readonly arn: string;
  readonly azs: readonly string[];
  readonly targetGroupArn?: string;
  desiredCount: number;
  readonly maxDesiredCount: number;
  readonly minimumHealthyPercent: number;
  readonly circuitBreaker: { readonly enable: boolean; readonly rollback: boolean };
  deployments: SimDeployment[];
  /** Consecutive failed launches (service throttle logic). */
  launchFailures: number;
  nextLaunchAllowedMs: number;
  readonly startedBy: string;
}

interface SimTask {
  readonly arn: string;
  readonly serviceName: string;
  readonly az: string;
  readonly taskDefinitionArn: string;
  readonly deploymentId: string;
  readonly privateIp: string;
  createdAtMs: number;
  readonly startedBy: string;
  /** When PROVISIONING ends. */
  pendingAtMs: number;
  /** When PENDING ends (undefined: stuck for lack of capacity). */
  runningAtMs?: number;
  /** The launch fails at this time (the AZ is down). */
  launchFailsAtMs?: number;
  startedAtMs?: number;
  stoppingAtMs?: number;
  stoppedAtMs?: number;
  /** End of the current DEACTIVATING/STOPPING phase. */
  phaseEndsAtMs?: number;
  lastStatus: TaskStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  stopCode?: string;
  stoppedReason?: string;
  exitCode?: number;
  version: number;
  /** Deterministic [0,1) draw that decides whether a partial gray failure touches this task. */
  readonly grayDraw: number;
}

interface SimTarget {
  readonly id: string;
  readonly port: number;
  readonly taskArn: string;
  readonly az: string;
  state: TargetState;
  reason?: string;
  okStreak: number;
  failStreak: number;
  nextCheckMs: number;
  drainUntilMs?: number;
  /** ECS stops the task at this time (it failed the load balancer's health checks). */
  stopAtMs?: number;
}

interface SimTargetGroup {
  readonly arn: string;
  readonly name: string;
  readonly dimension: string;
  readonly az?: string;
  readonly port: number;
  readonly healthCheck: HealthCheckSettings;
  readonly deregistrationDelayS: number;
  readonly targets: Map<string, SimTarget>;
  /** Accumulators for the ALB metric period in progress. */
  acc: PeriodAccumulator;
}

interface PeriodAccumulator {
  requests: number;
  target2xx: number;
  target5xx: number;
  elb5xx: number;
  latencySum: number;
  latencyCount: number;
  latencyMin: number;
  latencyMax: number;
  healthy: number[];
  unhealthy: number[];
}

interface SimListener {
  readonly arn: string;
  weights: TargetGroupWeight[];
}

/** A CloudWatch alarm the region evaluates, M of N datapoints. */
export interface SimAlarmDefinition {
  readonly name: string;
  readonly description?: string;
  readonly periodS: number;
  /** N. */
  readonly evaluationPeriods: number;
  /** M. */
  readonly datapointsToAlarm: number;
  readonly threshold: number;
  readonly comparison:
    | 'GreaterThanThreshold'
    | 'GreaterThanOrEqualToThreshold'
    | 'LessThanThreshold'
    | 'LessThanOrEqualToThreshold';
  /** @default 'missing' */
  readonly treatMissingData?: 'missing' | 'notBreaching' | 'breaching' | 'ignore';
  /** The alarm's metric (or metric math) value for the period starting at `periodStartMs`. */
  readonly value: (metrics: SimMetricStore, periodStartMs: number, periodS: number) => number | undefined;
  /** What the alarm event's `configuration.metrics` carries (the alarm's metric definitions). */
  readonly metricsConfig?: readonly unknown[];
}

interface SimAlarm {
  readonly def: SimAlarmDefinition;
  readonly arn: string;
  state: AlarmState;
  reason: string;
  changedAtMs: number;
}

const ALB_NAMESPACE = 'AWS/ApplicationELB';

/**
 * The embedded simulated region: ECS (services, tasks, task definitions, the scheduler), one ALB
 * (listener weights, target groups, health checks, deregistration), CloudWatch (metrics, alarms),
 * EventBridge (rules, at-least-once delivery), S3 (a memory object store) and a traffic model, all
 * driven by a simulated clock and a seeded PRNG. It advances in 1-second ticks ({@link tick}).
 * The ports in this folder are thin views over it that enforce the real APIs' limits.
 */
export class SimRegion {
  readonly region: string;
  readonly account: string;
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly timing: SimTiming;
  readonly clock: SimClock;
  readonly metrics: SimMetricStore;
  readonly bus: SimEventBus;
  readonly objects: MemoryObjectStore;
  readonly taskCapacityRps: number;
  /** Every mutating API call, in order. */
  readonly apiCalls: ApiCall[] = [];
  /** Requests per second offered to the ALB. */
  rps = 100;
  /** The last tick's traffic. */
  lastTraffic: TrafficTick | undefined;
  /** Target health transitions (ALB's view), in order. */
  readonly targetTransitions: {
    timeMs: number;
    az: string;
    targetGroupArn: string;
    id: string;
    to: TargetState;
  }[] = [];

  private readonly rng: Prng;
  private readonly rngStart: Prng;
  private readonly rngTraffic: Prng;
  private readonly rngHealth: Prng;
  private readonly rngIds: Prng;
  private readonly taskDefinitions = new Map<string, SimTaskDefinition>();
  private readonly services = new Map<string, SimService>();
  private readonly tasks = new Map<string, SimTask>();
  private readonly targetGroups = new Map<string, SimTargetGroup>();
  private readonly listeners = new Map<string, SimListener>();
  private readonly azFaults = new Map<string, AzFault>();
  private readonly alarms: SimAlarm[] = [];
  private readonly loadBalancerDimension: string;
  private ipCounter = 10;
  /** ELB 503s for lack of any target, in the ALB metric period in progress. */
  private elb5xxNoTarget = 0;

  constructor(options: SimRegionOptions) {
    this.region = options.region ?? 'us-east-1';
    this.account = options.account ?? '111111111111';
    this.clusterName = options.clusterName ?? 'bulkhead';
    this.clusterArn = `arn:aws:ecs:${this.region}:${this.account}:cluster/${this.clusterName}`;
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.taskCapacityRps = options.taskCapacityRps ?? 25;
    this.rng = new Prng(options.seed);
    this.rngStart = this.rng.fork('task-start');
    this.rngTraffic = this.rng.fork('traffic');
    this.rngHealth = this.rng.fork('health');
    this.rngIds = this.rng.fork('ids');
    this.clock = new SimClock();
    this.metrics = new SimMetricStore(() => this.clock.nowMs());
    this.bus = new SimEventBus(this.rng.fork('events'), {
      latencyS: this.timing.eventDeliveryS,
      duplicateRate: 0,
      jitterS: [0, 0],
    });
    this.objects = new MemoryObjectStore(() => this.clock.nowMs());
    this.loadBalancerDimension = `app/bulkhead/${this.rngIds.hex(16)}`;
  }

  /** A PRNG stream for a concern outside the region (probes, scenario draws). */
  stream(name: string): Prng {
    return this.rng.fork(name);
  }

  nowMs(): number {
    return this.clock.nowMs();
  }

  // ---------------------------------------------------------------- setup

  /** Registers a task definition revision and returns its ARN. */
  registerTaskDefinition(family: string, behaviour: TaskDefinitionBehaviour = {}): string {
    const revision = [...this.taskDefinitions.values()].filter((d) => d.family === family).length + 1;
    const arn = `arn:aws:ecs:${this.region}:${this.account}:task-definition/${family}:${revision}`;
    this.taskDefinitions.set(arn, { arn, family, revision, behaviour });
    return arn;
  }

  /** Changes how an existing revision behaves (a scenario's trigger, e.g. a bad config flag). */
  setTaskDefinitionBehaviour(arn: string, behaviour: TaskDefinitionBehaviour): void {
    const def = this.taskDefinitions.get(arn);
    if (!def) throw new Error(`unknown task definition ${arn}`);
    this.taskDefinitions.set(arn, { ...def, behaviour });
  }

  /** Whether a task definition ARN is registered. */
  hasTaskDefinition(arn: string): boolean {
    return this.taskDefinitions.has(arn);
  }

  /** Every registered task definition ARN, oldest first. */
  taskDefinitionArns(): string[] {
    return [...this.taskDefinitions.keys()];
  }

  /** Creates a target group and returns its ARN. */
  createTargetGroup(options: SimTargetGroupOptions): string {
    const id = this.rngIds.hex(16);
    const arn = `arn:aws:elasticloadbalancing:${this.region}:${this.account}:targetgroup/${options.name}/${id}`;
    this.targetGroups.set(arn, {
      arn,
      name: options.name,
      dimension: `targetgroup/${options.name}/${id}`,
      az: options.az,
      port: options.port ?? 8080,
      healthCheck: options.healthCheck,
      deregistrationDelayS: options.deregistrationDelayS,
      targets: new Map(),
      acc: emptyAccumulator(),
    });
    return arn;
  }

  /** Creates the ALB listener with a weighted forward action and returns its ARN. */
  createListener(weights: readonly TargetGroupWeight[]): string {
    const arn = `arn:aws:elasticloadbalancing:${this.region}:${this.account}:listener/${this.loadBalancerDimension}/${this.rngIds.hex(16)}`;
    this.listeners.set(arn, { arn, weights: weights.map((w) => ({ ...w })) });
    return arn;
  }

  /**
   * Creates a service in steady state: its tasks are already RUNNING and their targets healthy, so
   * a drill starts from a warm region.
   */
  createService(options: SimServiceOptions): string {
    if (!this.taskDefinitions.has(options.taskDefinition))
      throw new Error(`unknown task definition ${options.taskDefinition}`);
    const now = this.nowMs();
    const arn = `arn:aws:ecs:${this.region}:${this.account}:service/${this.clusterName}/${options.serviceName}`;
    const deployments: SimDeployment[] = [
      {
        id: `ecs-svc/${this.rngIds.nextUint32()}`,
        status: 'PRIMARY',
        rolloutState: 'COMPLETED',
        taskDefinition: options.taskDefinition,
        createdAtMs: now - 3_600_000,
        updatedAtMs: now - 3_000_000,
        failedTasks: 0,
      },
    ];
    const service: SimService = {
      name: options.serviceName,
      arn,
      azs: [...options.azs],
      targetGroupArn: options.targetGroupArn,
      desiredCount: options.desiredCount,
      maxDesiredCount: options.maxDesiredCount ?? 5000,
      minimumHealthyPercent: options.minimumHealthyPercent ?? 100,
      circuitBreaker: options.circuitBreaker ?? { enable: true, rollback: true },
      deployments,
      launchFailures: 0,
      nextLaunchAllowedMs: 0,
      startedBy: `ecs-svc/${this.rngIds.nextUint32()}`,
    };
    this.services.set(options.serviceName, service);
    for (let i = 0; i < options.desiredCount; i++) {
      const task = this.launch(service, deployments[0], this.placeAz(service), true);
      task.createdAtMs = now - 660_000;
      task.pendingAtMs = now - 600_000;
      task.runningAtMs = now - 590_000;
      task.startedAtMs = now - 590_000;
      task.lastStatus = 'RUNNING';
      task.launchFailsAtMs = undefined;
      const tg = service.targetGroupArn ? this.targetGroups.get(service.targetGroupArn) : undefined;
      if (tg) {
        const target = this.register(tg, task);
        target.state = 'healthy';
        target.okStreak = tg.healthCheck.healthyThreshold;
        // Spread the first checks over the interval, as real targets registered at different times are.
        target.nextCheckMs = now + Math.floor(this.rngHealth.uniform(0, tg.healthCheck.intervalS)) * 1000;
      }
    }
    return arn;
  }

  /** Routes events matching `matches` to `target` (an EventBridge rule). */
  addRule(name: string, target: string, matches: (event: EventBridgeEvent<unknown>) => boolean): void {
    this.bus.addRule({ name, target, matches });
  }

  /** Adds a CloudWatch alarm, evaluated at each multiple of its period. */
  addAlarm(def: SimAlarmDefinition): string {
    const arn = `arn:aws:cloudwatch:${this.region}:${this.account}:alarm:${def.name}`;
    this.alarms.push({
      def,
      arn,
      state: 'INSUFFICIENT_DATA',
      reason: 'Unchecked: Initial alarm creation',
      changedAtMs: this.nowMs(),
    });
    return arn;
  }

  /** Puts a "Scheduled Event" for rule `ruleName` on the bus (EventBridge schedules). */
  putScheduledEvent(ruleName: string): void {
    const ruleArn = `arn:aws:events:${this.region}:${this.account}:rule/${ruleName}`;
    this.bus.put(scheduledEvent(this.origin(), ruleArn), this.nowMs());
  }

  // ---------------------------------------------------------------- faults

  /** Injects (or, with `undefined`, clears) a fault in one AZ. */
  setAzFault(az: string, fault: AzFault | undefined): void {
    if (fault) this.azFaults.set(az, fault);
    else this.azFaults.delete(az);
  }

  /** The fault in effect in `az`, if any. */
  azFault(az: string): AzFault | undefined {
    return this.azFaults.get(az);
  }

  /** Kills a share of the running tasks in one AZ at once (their essential container exits). */
  killTasks(az: string, share: number, reason = 'Essential container in task exited'): number {
    const victims = [...this.tasks.values()].filter((t) => t.az === az && t.lastStatus === 'RUNNING');
    const n = Math.round(victims.length * share);
    for (const task of victims.slice(0, n)) this.crash(task, reason);
    return n;
  }

  // ---------------------------------------------------------------- reads (ports use these)

  /** Service views in the shape of the Ecs port. */
  describeServices(names: readonly string[]): EcsService[] {
    const out: EcsService[] = [];
    for (const name of names) {
      const service = this.services.get(name) ?? [...this.services.values()].find((s) => s.arn === name);
      if (service) out.push(this.serviceView(service));
    }
    return out;
  }

  /** All service names. */
  serviceNames(): string[] {
    return [...this.services.keys()];
  }

  /** Service options needed by limits checks. */
  serviceLimits(name: string): { maxDesiredCount: number } | undefined {
    const s = this.services.get(name) ?? [...this.services.values()].find((x) => x.arn === name);
    return s && { maxDesiredCount: s.maxDesiredCount };
  }

  /** Task ARNs of a service by desired status, as ListTasks returns them. */
  listTasks(serviceName: string, desiredStatus: 'RUNNING' | 'STOPPED'): string[] {
    const service =
      this.services.get(serviceName) ?? [...this.services.values()].find((s) => s.arn === serviceName);
    if (!service) return [];
    return [...this.tasks.values()]
      .filter((t) => t.serviceName === service.name && t.desiredStatus === desiredStatus)
      .map((t) => t.arn);
  }

  /** Task views; unknown ARNs are omitted (ECS reports them as failures). */
  describeTasks(arns: readonly string[]): EcsTask[] {
    const out: EcsTask[] = [];
    for (const arn of arns) {
      const task = this.tasks.get(arn);
      if (task) out.push(this.taskView(task));
    }
    return out;
  }

  /** Every task, for reports. */
  allTasks(): EcsTask[] {
    return [...this.tasks.values()].map((t) => this.taskView(t));
  }

  hasTask(arn: string): boolean {
    return this.tasks.has(arn);
  }

  hasTargetGroup(arn: string): boolean {
    return this.targetGroups.has(arn);
  }

  hasListener(arn: string): boolean {
    return this.listeners.has(arn);
  }

  /** The listener's forward weights. */
  listenerWeights(arn: string): TargetGroupWeight[] {
    const listener = this.listeners.get(arn);
    return listener ? listener.weights.map((w) => ({ ...w })) : [];
  }

  /** Every listener ARN. */
  listenerArns(): string[] {
    return [...this.listeners.keys()];
  }

  /** Target health as DescribeTargetHealth reports it. */
  targetHealth(targetGroupArn: string): TargetHealth[] {
    const tg = this.targetGroups.get(targetGroupArn);
    if (!tg) return [];
    return [...tg.targets.values()].map((t) => ({
      id: t.id,
      port: t.port,
      availabilityZone: t.az,
      state: t.state,
      ...(t.reason ? { reason: t.reason } : {}),
    }));
  }

  /** The AZ of a zonal target group. */
  targetGroupAz(arn: string): string | undefined {
    return this.targetGroups.get(arn)?.az;
  }

  /** The CloudWatch `TargetGroup` dimension value of a target group. */
  targetGroupDimension(arn: string): string {
    const tg = this.targetGroups.get(arn);
    if (!tg) throw new Error(`unknown target group ${arn}`);
    return tg.dimension;
  }

  /** The CloudWatch `LoadBalancer` dimension value of the ALB. */
  get loadBalancer(): string {
    return this.loadBalancerDimension;
  }

  /** Healthy targets per AZ across every target group. */
  healthyTargetsByAz(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const tg of this.targetGroups.values())
      for (const t of tg.targets.values()) if (t.state === 'healthy') out[t.az] = (out[t.az] ?? 0) + 1;
    return out;
  }

  /** Current alarm states. */
  alarmStates(): { name: string; state: AlarmState; changedAtMs: number }[] {
    return this.alarms.map((a) => ({ name: a.def.name, state: a.state, changedAtMs: a.changedAtMs }));
  }

  /**
   * One HTTP probe of a target from inside the VPC (the zonal prober's view): a status code and a
   * latency, following the same fault model as requests. Status 0 means the connection failed.
   */
  probe(ip: string, port: number, rng: Prng): { statusCode: number; latencyMs: number } {
    const target = this.findTarget(ip, port);
    const task = target ? this.tasks.get(target.taskArn) : undefined;
    if (task?.lastStatus !== 'RUNNING') return { statusCode: 0, latencyMs: 1 };
    const fault = this.azFaults.get(task.az);
    if (fault?.kind === 'outage') return { statusCode: 0, latencyMs: this.timing.requestTimeoutMs };
    if (fault?.kind === 'gray' && this.grayTouches(task, fault)) {
      const latencyMs = this.timing.baseLatencyMs + fault.addedLatencyMs;
      if (latencyMs >= this.timing.requestTimeoutMs)
        return { statusCode: 0, latencyMs: this.timing.requestTimeoutMs };
      return { statusCode: rng.chance(fault.errorRate) ? 503 : 200, latencyMs };
    }
    return { statusCode: 200, latencyMs: this.timing.baseLatencyMs };
  }

  // ---------------------------------------------------------------- writes (ports call these after validating)

  /** ModifyListener's forward config, already validated. */
  setListenerWeights(arn: string, weights: readonly TargetGroupWeight[]): void {
    const listener = this.listeners.get(arn);
    if (!listener) throw new Error(`unknown listener ${arn}`);
    listener.weights = weights.map((w) => ({ targetGroupArn: w.targetGroupArn, weight: w.weight }));
  }

  /** UpdateService, already validated. */
  updateService(name: string, change: { desiredCount?: number; taskDefinition?: string }): void {
    const service = this.services.get(name) ?? [...this.services.values()].find((s) => s.arn === name);
    if (!service) throw new Error(`unknown service ${name}`);
    const now = this.nowMs();
    if (change.desiredCount !== undefined) service.desiredCount = change.desiredCount;
    const primary = service.deployments[0];
    if (change.taskDefinition !== undefined && change.taskDefinition !== primary.taskDefinition) {
      this.startDeployment(service, change.taskDefinition, now);
    }
    // A new deployment resets the service throttle: ECS retries at once after an UpdateService.
    service.launchFailures = 0;
    service.nextLaunchAllowedMs = now;
  }

  /** StopTask, already validated. */
  stopTask(arn: string, reason: string): void {
    const task = this.tasks.get(arn);
    if (!task) throw new Error(`unknown task ${arn}`);
    this.beginStop(task, 'UserInitiated', reason);
  }

  /** Records a mutating API call. */
  recordCall(call: Omit<ApiCall, 'timeMs'>): void {
    this.apiCalls.push({ timeMs: this.nowMs(), ...call });
  }

  // ---------------------------------------------------------------- the tick

  /** Advances the region by one second: ECS, the ALB, traffic, metrics, alarms. */
  tick(): void {
    const now = this.nowMs() + 1000;
    this.clock.advanceTo(now);
    for (const task of [...this.tasks.values()]) this.advanceTask(task, now);
    for (const service of this.services.values()) this.reconcile(service, now);
    for (const tg of this.targetGroups.values()) this.healthCheck(tg, now);
    this.serveTraffic(now);
    const periodMs = this.timing.albMetricPeriodS * 1000;
    if (now % periodMs === 0) this.publishAlbMetrics(now - periodMs, now);
    for (const alarm of this.alarms)
      if (now % (alarm.def.periodS * 1000) === 0) this.evaluateAlarm(alarm, now);
  }

  // ---------------------------------------------------------------- ECS internals

  private origin(): { account: string; region: string; id: string; timeMs: number } {
    const h = this.rngIds.hex(32);
    const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
    return { account: this.account, region: this.region, id, timeMs: this.nowMs() };
  }

  private serviceView(s: SimService): EcsService {
    const active = [...this.tasks.values()].filter(
      (t) => t.serviceName === s.name && t.desiredStatus === 'RUNNING',
    );
    return {
      serviceName: s.name,
      serviceArn: s.arn,
      taskDefinition: s.deployments[0].taskDefinition,
      desiredCount: s.desiredCount,
      runningCount: active.filter((t) => t.lastStatus === 'RUNNING').length,
      pendingCount: active.filter((t) => t.lastStatus === 'PENDING' || t.lastStatus === 'PROVISIONING')
        .length,
      minimumHealthyPercent: s.minimumHealthyPercent,
      deployments: s.deployments.map((d) => ({
        id: d.id,
        status: d.status,
        rolloutState: d.rolloutState,
        taskDefinition: d.taskDefinition,
        createdAtMs: d.createdAtMs,
        updatedAtMs: d.updatedAtMs,
        failedTasks: d.failedTasks,
      })),
    };
  }

  private taskView(t: SimTask): EcsTask {
    const tg = this.serviceTargetGroup(t.serviceName);
    const target = tg?.targets.get(t.privateIp);
    const healthStatus: EcsTask['healthStatus'] =
      t.lastStatus !== 'RUNNING'
        ? 'UNKNOWN'
        : target?.state === 'unhealthy'
          ? 'UNHEALTHY'
          : target?.state === 'healthy'
            ? 'HEALTHY'
            : 'UNKNOWN';
    return {
      taskArn: t.arn,
      group: `service:${t.serviceName}`,
      availabilityZone: t.az,
      lastStatus: t.lastStatus,
      desiredStatus: t.desiredStatus,
      taskDefinitionArn: t.taskDefinitionArn,
      createdAtMs: t.createdAtMs,
      ...(t.startedAtMs !== undefined ? { startedAtMs: t.startedAtMs } : {}),
      ...(t.stoppedAtMs !== undefined ? { stoppedAtMs: t.stoppedAtMs } : {}),
      ...(t.stoppedReason !== undefined ? { stoppedReason: t.stoppedReason } : {}),
      ...(t.stopCode !== undefined ? { stopCode: t.stopCode } : {}),
      startedBy: t.startedBy,
      healthStatus,
      privateIp: t.privateIp,
    };
  }

  private serviceTargetGroup(serviceName: string): SimTargetGroup | undefined {
    const arn = this.services.get(serviceName)?.targetGroupArn;
    return arn ? this.targetGroups.get(arn) : undefined;
  }

  private startDeployment(service: SimService, taskDefinition: string, now: number): void {
    for (const d of service.deployments) {
      d.status = 'ACTIVE';
      d.updatedAtMs = now;
    }
    service.deployments.unshift({
      id: `ecs-svc/${this.rngIds.nextUint32()}`,
      status: 'PRIMARY',
      rolloutState: 'IN_PROGRESS',
      taskDefinition,
      createdAtMs: now,
      updatedAtMs: now,
      failedTasks: 0,
    });
  }

  /** Best-effort AZ spread, as Fargate does: the AZ with the fewest tasks, skipping AZs known to be down. */
  private placeAz(service: SimService): string {
    if (service.azs.length === 1) return service.azs[0];
    const counts = new Map(service.azs.map((az) => [az, 0]));
    for (const t of this.tasks.values())
      if (t.serviceName === service.name && t.desiredStatus === 'RUNNING')
        counts.set(t.az, (counts.get(t.az) ?? 0) + 1);
    const candidates = service.azs.filter((az) => this.azFaults.get(az)?.kind !== 'outage');
    const pool = candidates.length > 0 ? candidates : service.azs;
    return pool.reduce((best, az) => ((counts.get(az) ?? 0) < (counts.get(best) ?? 0) ? az : best), pool[0]);
  }

  private launch(service: SimService, deployment: SimDeployment, az: string, warm = false): SimTask {
    const now = this.nowMs();
    const id = this.rngIds.hex(32);
    const n = this.ipCounter++;
    const [lo, hi] = this.timing.taskStartS;
    const startS = Math.round(this.rngStart.uniform(lo, hi));
    const fault = this.azFaults.get(az);
    const task: SimTask = {
      arn: `arn:aws:ecs:${this.region}:${this.account}:task/${this.clusterName}/${id}`,
      serviceName: service.name,
      az,
      taskDefinitionArn: deployment.taskDefinition,
      deploymentId: deployment.id,
      privateIp: `10.0.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`,
      createdAtMs: now,
      startedBy: service.startedBy,
      pendingAtMs: now + this.timing.provisioningS * 1000,
      runningAtMs: fault?.kind === 'no-capacity' ? undefined : now + startS * 1000,
      launchFailsAtMs: fault?.kind === 'outage' ? now + this.timing.provisioningS * 1000 : undefined,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      version: 1,
      grayDraw: this.rngIds.next(),
    };
    this.tasks.set(task.arn, task);
    // Tasks of the warm start existed before the drill: no events for them.
    if (!warm) this.emitTask(task);
    return task;
  }

  private advanceTask(task: SimTask, now: number): void {
    switch (task.lastStatus) {
      case 'PROVISIONING':
      case 'PENDING': {
        if (task.desiredStatus === 'STOPPED') break;
        if (task.launchFailsAtMs !== undefined && now >= task.launchFailsAtMs) {
          this.failLaunch(
            task,
            'ResourceInitializationError: unable to provision capacity in this Availability Zone',
          );
          break;
        }
        if (task.lastStatus === 'PROVISIONING' && now >= task.pendingAtMs) {
          task.lastStatus = 'PENDING';
          this.emitTask(task);
        }
        if (task.lastStatus === 'PENDING' && task.runningAtMs !== undefined && now >= task.runningAtMs) {
          const crash = this.taskDefinitions.get(task.taskDefinitionArn)?.behaviour.crash;
          if (crash && crash.afterStartS === 0 && now >= crash.fromMs) {
            task.exitCode = 1;
            this.failLaunch(task, 'Essential container in task exited', 'EssentialContainerExited');
            break;
          }
          task.lastStatus = 'RUNNING';
          task.startedAtMs = now;
          const service = this.services.get(task.serviceName);
          if (service) service.launchFailures = 0;
          const tg = this.serviceTargetGroup(task.serviceName);
          if (tg) this.register(tg, task);
          this.emitTask(task);
        }
        break;
      }
      case 'RUNNING': {
        const crash = this.taskDefinitions.get(task.taskDefinitionArn)?.behaviour.crash;
        const crashAtMs = crash && crash.fromMs + task.grayDraw * (crash.spreadS ?? 0) * 1000;
        if (
          crash &&
          crashAtMs !== undefined &&
          now >= crashAtMs &&
          now >= (task.startedAtMs ?? 0) + crash.afterStartS * 1000
        ) {
          task.exitCode = 1;
          this.crash(task, 'Essential container in task exited');
        }
        break;
      }
      case 'DEACTIVATING':
        if (task.phaseEndsAtMs !== undefined && now >= task.phaseEndsAtMs) {
          const tg = this.serviceTargetGroup(task.serviceName);
          tg?.targets.delete(task.privateIp);
          task.lastStatus = 'STOPPING';
          task.phaseEndsAtMs = now + this.timing.stoppingS * 1000;
          this.emitTask(task);
        }
        break;
      case 'STOPPING':
        if (task.phaseEndsAtMs !== undefined && now >= task.phaseEndsAtMs) this.finishStop(task, now);
        break;
      default:
        break;
    }
  }

  /** A task that never reached RUNNING: it counts towards the service throttle and the circuit breaker. */
  private failLaunch(task: SimTask, reason: string, stopCode = 'TaskFailedToStart'): void {
    task.desiredStatus = 'STOPPED';
    task.stopCode = stopCode;
    task.stoppedReason = reason;
    this.finishStop(task, this.nowMs());
    const service = this.services.get(task.serviceName);
    if (!service) return;
    service.launchFailures++;
    const { baseS, capS } = this.timing.launchBackoff;
    const delayS = Math.min(capS, baseS * 2 ** (service.launchFailures - 1));
    service.nextLaunchAllowedMs = this.nowMs() + delayS * 1000;
    this.countDeploymentFailure(service, task);
  }

  /** A RUNNING task whose essential container exited. */
  private crash(task: SimTask, reason: string): void {
    task.desiredStatus = 'STOPPED';
    task.stopCode = 'EssentialContainerExited';
    task.stoppedReason = reason;
    task.exitCode = task.exitCode ?? 137;
    const tg = this.serviceTargetGroup(task.serviceName);
    tg?.targets.delete(task.privateIp);
    this.finishStop(task, this.nowMs());
    const service = this.services.get(task.serviceName);
    if (service) this.countDeploymentFailure(service, task);
  }

  private countDeploymentFailure(service: SimService, task: SimTask): void {
    const deployment = service.deployments.find((d) => d.id === task.deploymentId);
    if (!deployment) return;
    deployment.failedTasks++;
    if (
      deployment.status !== 'PRIMARY' ||
      deployment.rolloutState !== 'IN_PROGRESS' ||
      !service.circuitBreaker.enable
    )
      return;
    const { factor, min, max } = this.timing.circuitBreaker;
    const threshold = Math.min(max, Math.max(min, Math.ceil(factor * service.desiredCount)));
    if (deployment.failedTasks < threshold) return;
    deployment.rolloutState = 'FAILED';
    deployment.updatedAtMs = this.nowMs();
    const previous = service.deployments.find((d) => d !== deployment && d.rolloutState === 'COMPLETED');
    if (service.circuitBreaker.rollback && previous) {
      this.startDeployment(service, previous.taskDefinition, this.nowMs());
      service.launchFailures = 0;
      service.nextLaunchAllowedMs = this.nowMs();
    }
  }

  /** Starts a graceful stop: drain the target (deregistration delay), then stop the container. */
  private beginStop(task: SimTask, stopCode: string, reason: string): void {
    if (task.desiredStatus === 'STOPPED' && task.lastStatus !== 'RUNNING') return;
    const now = this.nowMs();
    task.desiredStatus = 'STOPPED';
    task.stopCode = stopCode;
    task.stoppedReason = reason;
    task.stoppingAtMs = now;
    const tg = this.serviceTargetGroup(task.serviceName);
    const target = tg?.targets.get(task.privateIp);
    if (tg && target && task.lastStatus === 'RUNNING') {
      target.state = 'draining';
      target.reason = 'Target.DeregistrationInProgress';
      target.drainUntilMs = now + tg.deregistrationDelayS * 1000;
      task.lastStatus = 'DEACTIVATING';
      task.phaseEndsAtMs = target.drainUntilMs;
    } else {
      task.lastStatus = 'STOPPING';
      task.phaseEndsAtMs = now + this.timing.stoppingS * 1000;
    }
    this.emitTask(task);
  }

  private finishStop(task: SimTask, now: number): void {
    task.lastStatus = 'STOPPED';
    task.desiredStatus = 'STOPPED';
    task.stoppedAtMs = now;
    task.stoppingAtMs = task.stoppingAtMs ?? now;
    task.phaseEndsAtMs = undefined;
    this.serviceTargetGroup(task.serviceName)?.targets.delete(task.privateIp);
    this.emitTask(task);
  }

  /** The service scheduler: keep `desiredCount` tasks of the primary deployment, roll deployments. */
  private reconcile(service: SimService, now: number): void {
    const primary = service.deployments[0];
    const active = [...this.tasks.values()].filter(
      (t) => t.serviceName === service.name && t.desiredStatus === 'RUNNING',
    );
    const primaryTasks = active.filter((t) => t.deploymentId === primary.id);
    const oldTasks = active.filter((t) => t.deploymentId !== primary.id);
    const missing = service.desiredCount - primaryTasks.length;
    if (missing > 0 && now >= service.nextLaunchAllowedMs) {
      for (let i = 0; i < missing; i++) this.launch(service, primary, this.placeAz(service));
    } else if (missing < 0) {
      const order = [...primaryTasks].sort(
        (a, b) =>
          Number(a.lastStatus === 'RUNNING') - Number(b.lastStatus === 'RUNNING') ||
          b.createdAtMs - a.createdAtMs,
      );
      for (const task of order.slice(0, -missing))
        this.beginStop(
          task,
          'ServiceSchedulerInitiated',
          `Scaling activity initiated by (deployment ${primary.id})`,
        );
    }
    const tg = service.targetGroupArn ? this.targetGroups.get(service.targetGroupArn) : undefined;
    const healthyPrimary = primaryTasks.filter(
      (t) => t.lastStatus === 'RUNNING' && (!tg || tg.targets.get(t.privateIp)?.state === 'healthy'),
    ).length;
    if (healthyPrimary >= service.desiredCount) {
      for (const task of oldTasks)
        this.beginStop(
          task,
          'ServiceSchedulerInitiated',
          `Scaling activity initiated by (deployment ${primary.id})`,
        );
      if (primary.rolloutState === 'IN_PROGRESS') {
        primary.rolloutState = 'COMPLETED';
        primary.updatedAtMs = now;
      }
    }
    if (primary.rolloutState !== 'IN_PROGRESS' && service.deployments.length > 1) {
      const stillRunning = new Set(active.map((t) => t.deploymentId));
      service.deployments = service.deployments.filter((d, i) => i === 0 || stillRunning.has(d.id));
    }
  }

  private emitTask(task: SimTask): void {
    task.version++;
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    const detail = {
      clusterArn: this.clusterArn,
      taskArn: task.arn,
      taskDefinitionArn: task.taskDefinitionArn,
      group: `service:${task.serviceName}`,
      startedBy: task.startedBy,
      availabilityZone: task.az,
      lastStatus: task.lastStatus,
      desiredStatus: task.desiredStatus,
      launchType: 'FARGATE' as const,
      createdAt: new Date(task.createdAtMs).toISOString(),
      ...(task.startedAtMs !== undefined ? { startedAt: iso(task.startedAtMs) } : {}),
      ...(task.stoppingAtMs !== undefined ? { stoppingAt: iso(task.stoppingAtMs) } : {}),
      ...(task.stoppedAtMs !== undefined ? { stoppedAt: iso(task.stoppedAtMs) } : {}),
      ...(task.stopCode !== undefined ? { stopCode: task.stopCode } : {}),
      ...(task.stoppedReason !== undefined ? { stoppedReason: task.stoppedReason } : {}),
      updatedAt: new Date(this.nowMs()).toISOString(),
      version: task.version,
      containers: [
        {
          name: 'app',
          lastStatus:
            task.lastStatus === 'STOPPED' ? 'STOPPED' : task.lastStatus === 'RUNNING' ? 'RUNNING' : 'PENDING',
          ...(task.exitCode !== undefined && task.lastStatus === 'STOPPED'
            ? { exitCode: task.exitCode }
            : {}),
          taskArn: task.arn,
          networkInterfaces: [{ privateIpv4Address: task.privateIp }],
        },
      ],
      attachments: [
        {
          type: 'eni' as const,
          status: task.lastStatus === 'STOPPED' ? 'DELETED' : 'ATTACHED',
          details: [
            { name: 'subnetId', value: `subnet-${task.az}` },
            { name: 'privateIPv4Address', value: task.privateIp },
          ],
        },
      ],
    };
    this.bus.put(taskStateChangeEvent(this.origin(), detail), this.nowMs());
  }

  // ---------------------------------------------------------------- ALB internals

  private register(tg: SimTargetGroup, task: SimTask): SimTarget {
    const target: SimTarget = {
      id: task.privateIp,
      port: tg.port,
      taskArn: task.arn,
      az: task.az,
      state: 'initial',
      reason: 'Elb.RegistrationInProgress',
      okStreak: 0,
      failStreak: 0,
      nextCheckMs: this.nowMs() + tg.healthCheck.intervalS * 1000,
    };
    tg.targets.set(target.id, target);
    return target;
  }

  private findTarget(ip: string, port: number): SimTarget | undefined {
    for (const tg of this.targetGroups.values()) {
      const t = tg.targets.get(ip);
      if (t && t.port === port) return t;
    }
    return undefined;
  }

  private grayTouches(task: SimTask, fault: Extract<AzFault, { kind: 'gray' }>): boolean {
    return task.grayDraw < (fault.affectedShare ?? 1);
  }

  private healthCheckPasses(task: SimTask | undefined): boolean {
    if (task?.lastStatus !== 'RUNNING') return false;
    const fault = this.azFaults.get(task.az);
    if (fault?.kind === 'outage') return false;
    if (fault?.kind === 'gray' && this.grayTouches(task, fault)) {
      // ALB's health check timeout defaults to 5 s: a response slower than that fails the check.
      if (this.timing.baseLatencyMs + fault.addedLatencyMs >= 5000) return false;
      return !this.rngHealth.chance(fault.errorRate);
    }
    return true;
  }

  private healthCheck(tg: SimTargetGroup, now: number): void {
    const { intervalS, healthyThreshold, unhealthyThreshold } = tg.healthCheck;
    for (const target of [...tg.targets.values()]) {
      if (target.state === 'draining' || now < target.nextCheckMs) continue;
      target.nextCheckMs = now + intervalS * 1000;
      const task = this.tasks.get(target.taskArn);
      if (this.healthCheckPasses(task)) {
        target.okStreak++;
        target.failStreak = 0;
        if (target.state !== 'healthy' && target.okStreak >= healthyThreshold) {
          target.state = 'healthy';
          target.reason = undefined;
          target.stopAtMs = undefined;
          this.targetTransitions.push({
            timeMs: now,
            az: target.az,
            targetGroupArn: tg.arn,
            id: target.id,
            to: 'healthy',
          });
        }
      } else {
        target.failStreak++;
        target.okStreak = 0;
        if (target.state !== 'unhealthy' && target.failStreak >= unhealthyThreshold) {
          target.state = 'unhealthy';
          target.reason = 'Target.FailedHealthChecks';
          this.targetTransitions.push({
            timeMs: now,
            az: target.az,
            targetGroupArn: tg.arn,
            id: target.id,
            to: 'unhealthy',
          });
          // ECS replaces tasks that fail the load balancer's health checks, after it notices.
          target.stopAtMs = now + this.timing.ecsUnhealthyStopDelayS * 1000;
        }
      }
    }
    for (const target of [...tg.targets.values()]) {
      if (target.state !== 'unhealthy' || target.stopAtMs === undefined || now < target.stopAtMs) continue;
      target.stopAtMs = undefined;
      const task = this.tasks.get(target.taskArn);
      if (task && task.desiredStatus === 'RUNNING')
        this.beginStop(
          task,
          'ServiceSchedulerInitiated',
          `Task failed ELB health checks in (target-group ${tg.arn})`,
        );
    }
  }

  /** One second of traffic: split by listener weights, then across each group's routable targets. */
  private serveTraffic(now: number): void {
    const perAz: Record<string, { requests: number; failed: number; latencyMsSum: number }> = {};
    const bucket = (az: string) => {
      let b = perAz[az];
      if (!b) {
        b = { requests: 0, failed: 0, latencyMsSum: 0 };
        perAz[az] = b;
      }
      return b;
    };
    const listener = [...this.listeners.values()][0];
    if (!listener) {
      this.lastTraffic = { timeMs: now, perAz };
      return;
    }
    const total = this.rngTraffic.stochasticRound(this.rps);
    const shares = splitByWeight(
      total,
      listener.weights.map((w) => w.weight),
    );
    const timeout = this.timing.requestTimeoutMs;
    listener.weights.forEach((w, i) => {
      const tg = this.targetGroups.get(w.targetGroupArn);
      const n = shares[i];
      if (!tg || n === 0) return;
      const registered = [...tg.targets.values()].filter((t) => t.state !== 'draining');
      const healthy = registered.filter((t) => t.state === 'healthy');
      // ALB fails open: with no healthy target it routes to every registered one.
      const routable = healthy.length > 0 ? healthy : registered.filter((t) => t.state !== 'initial');
      if (routable.length === 0) {
        // No target to choose: the ALB answers 503 itself. RequestCount counts only requests for
        // which a target was chosen, so these show in HTTPCode_ELB_5XX_Count alone.
        const b = bucket(tg.az ?? 'no-target');
        b.requests += n;
        b.failed += n;
        b.latencyMsSum += n;
        this.elb5xxNoTarget += n;
        return;
      }
      tg.acc.requests += n;
      const perTarget = splitEven(n, routable.length, now / 1000);
      routable.forEach((target, j) => {
        const k = perTarget[j];
        if (k === 0) return;
        const b = bucket(target.az);
        b.requests += k;
        const task = this.tasks.get(target.taskArn);
        const served = Math.min(k, this.taskCapacityRps);
        const overflow = k - served;
        b.failed += overflow;
        tg.acc.elb5xx += overflow;
        b.latencyMsSum += overflow * timeout;
        const fault = task ? this.azFaults.get(task.az) : undefined;
        if (task?.lastStatus !== 'RUNNING' || fault?.kind === 'outage') {
          b.failed += served;
          b.latencyMsSum += served * timeout;
          tg.acc.elb5xx += served;
          return;
        }
        let latency = this.timing.baseLatencyMs;
        let errors = 0;
        if (fault?.kind === 'gray' && this.grayTouches(task, fault)) {
          latency += fault.addedLatencyMs;
          errors = latency >= timeout ? served : binomial(this.rngTraffic, served, fault.errorRate);
          latency = Math.min(latency, timeout);
        }
        b.failed += errors;
        b.latencyMsSum += served * latency;
        tg.acc.target5xx += errors;
        tg.acc.target2xx += served - errors;
        tg.acc.latencySum += served * latency;
        tg.acc.latencyCount += served;
        tg.acc.latencyMin = Math.min(tg.acc.latencyMin, latency);
        tg.acc.latencyMax = Math.max(tg.acc.latencyMax, latency);
      });
    });
    for (const tg of this.targetGroups.values()) {
      let healthy = 0;
      let unhealthy = 0;
      for (const t of tg.targets.values()) {
        if (t.state === 'healthy') healthy++;
        else if (t.state === 'unhealthy') unhealthy++;
      }
      tg.acc.healthy.push(healthy);
      tg.acc.unhealthy.push(unhealthy);
    }
    this.lastTraffic = { timeMs: now, perAz };
  }

  /** Publishes one ALB metric period per target group, as CloudWatch receives them from the ALB. */
  private publishAlbMetrics(startMs: number, endMs: number): void {
    const visibleAt = endMs + this.timing.albMetricDelayS * 1000;
    // HTTPCode_ELB_5XX_Count has no TargetGroup dimension: it is the load balancer's.
    let elb5xx = this.elb5xxNoTarget;
    for (const tg of this.targetGroups.values()) elb5xx += tg.acc.elb5xx;
    this.elb5xxNoTarget = 0;
    // By LoadBalancer + AvailabilityZone too: that AZ is the ALB node's, and DNS spreads clients
    // evenly over the nodes, so each node's share is even (cross-zone routing sends them anywhere).
    const nodeAzs = [...new Set([...this.targetGroups.values()].flatMap((tg) => (tg.az ? [tg.az] : [])))];
    if (elb5xx > 0)
      for (const [i, az] of nodeAzs.entries()) {
        const share = Math.floor(elb5xx / nodeAzs.length) + (i < elb5xx % nodeAzs.length ? 1 : 0);
        if (share > 0)
          this.metrics.publish(
            {
              namespace: ALB_NAMESPACE,
              metricName: 'HTTPCode_ELB_5XX_Count',
              dimensions: { LoadBalancer: this.loadBalancerDimension, AvailabilityZone: az },
            },
            startMs,
            { sum: share, count: 1, min: share, max: share },
            visibleAt,
          );
      }
    if (elb5xx > 0)
      this.metrics.publish(
        {
          namespace: ALB_NAMESPACE,
          metricName: 'HTTPCode_ELB_5XX_Count',
          dimensions: { LoadBalancer: this.loadBalancerDimension },
        },
        startMs,
        { sum: elb5xx, count: 1, min: elb5xx, max: elb5xx },
        visibleAt,
      );
    // The load balancer's own aggregates (LoadBalancer dimension only), as alarms compare a cell with them.
    const lbDims = { LoadBalancer: this.loadBalancerDimension };
    let lbRequests = 0;
    let lbTarget5xx = 0;
    let lbLatencySum = 0;
    let lbLatencyCount = 0;
    for (const tg of this.targetGroups.values()) {
      lbRequests += tg.acc.requests;
      lbTarget5xx += tg.acc.target5xx;
      lbLatencySum += tg.acc.latencySum;
      lbLatencyCount += tg.acc.latencyCount;
    }
    for (const [metricName, value] of [
      ['RequestCount', lbRequests],
      ['HTTPCode_Target_5XX_Count', lbTarget5xx],
    ] as const)
      if (value > 0)
        this.metrics.publish(
          { namespace: ALB_NAMESPACE, metricName, dimensions: lbDims },
          startMs,
          { sum: value, count: 1, min: value, max: value },
          visibleAt,
        );
    if (lbLatencyCount > 0)
      this.metrics.publish(
        { namespace: ALB_NAMESPACE, metricName: 'TargetResponseTime', dimensions: lbDims },
        startMs,
        { sum: lbLatencySum / 1000, count: lbLatencyCount, min: 0, max: this.timing.requestTimeoutMs / 1000 },
        visibleAt,
      );
    for (const tg of this.targetGroups.values()) {
      const a = tg.acc;
      tg.acc = emptyAccumulator();
      const dimSets: Record<string, string>[] = [
        { TargetGroup: tg.dimension, LoadBalancer: this.loadBalancerDimension },
        ...(tg.az
          ? [{ TargetGroup: tg.dimension, LoadBalancer: this.loadBalancerDimension, AvailabilityZone: tg.az }]
          : []),
      ];
      const count = (name: string, value: number) => {
        // The ALB reports count metrics only for periods where they are non-zero.
        if (value <= 0) return;
        for (const dimensions of dimSets)
          this.metrics.publish(
            { namespace: ALB_NAMESPACE, metricName: name, dimensions },
            startMs,
            { sum: value, count: 1, min: value, max: value },
            visibleAt,
          );
      };
      count('RequestCount', a.requests);
      count('HTTPCode_Target_2XX_Count', a.target2xx);
      count('HTTPCode_Target_5XX_Count', a.target5xx);
      for (const dimensions of dimSets) {
        if (a.latencyCount > 0)
          this.metrics.publish(
            { namespace: ALB_NAMESPACE, metricName: 'TargetResponseTime', dimensions },
            startMs,
            {
              sum: a.latencySum / 1000,
              count: a.latencyCount,
              min: a.latencyMin / 1000,
              max: a.latencyMax / 1000,
            },
            visibleAt,
          );
        for (const [name, samples] of [
          ['HealthyHostCount', a.healthy],
          ['UnHealthyHostCount', a.unhealthy],
        ] as const) {
          if (samples.length === 0) continue;
          this.metrics.publish(
            { namespace: ALB_NAMESPACE, metricName: name, dimensions },
            startMs,
            {
              sum: samples.reduce((x, y) => x + y, 0),
              count: samples.length,
              min: Math.min(...samples),
              max: Math.max(...samples),
            },
            visibleAt,
          );
        }
      }
    }
  }

  // ---------------------------------------------------------------- CloudWatch alarms

  private evaluateAlarm(alarm: SimAlarm, now: number): void {
    const { periodS, evaluationPeriods, datapointsToAlarm, threshold, comparison } = alarm.def;
    const treat = alarm.def.treatMissingData ?? 'missing';
    const periodMs = periodS * 1000;
    let breaching = 0;
    let present = 0;
    const values: (number | undefined)[] = [];
    for (let i = evaluationPeriods; i >= 1; i--) {
      const start = now - i * periodMs;
      const v = alarm.def.value(this.metrics, start, periodS);
      values.push(v);
      if (v === undefined) {
        if (treat === 'breaching') breaching++;
        if (treat === 'breaching' || treat === 'notBreaching') present++;
        continue;
      }
      present++;
      if (compare(v, comparison, threshold)) breaching++;
    }
    let next: AlarmState;
    if (breaching >= datapointsToAlarm) next = 'ALARM';
    else if (present === 0) next = treat === 'ignore' ? alarm.state : 'INSUFFICIENT_DATA';
    else next = 'OK';
    if (next === alarm.state) return;
    const shown = values.map((v) => (v === undefined ? 'missing' : Number(v.toFixed(4)))).join(', ');
    const reason = `Threshold Crossed: ${breaching} out of the last ${evaluationPeriods} datapoints [${shown}] were ${comparison} the threshold (${threshold}) (minimum ${datapointsToAlarm} datapoints for ALARM).`;
    const previous = {
      value: alarm.state,
      reason: alarm.reason,
      timestamp: alarmTimestamp(alarm.changedAtMs),
    };
    alarm.state = next;
    alarm.reason = reason;
    alarm.changedAtMs = now;
    this.bus.put(
      alarmStateChangeEvent(this.origin(), alarm.arn, {
        alarmName: alarm.def.name,
        state: { value: next, reason, timestamp: alarmTimestamp(now) },
        previousState: previous,
        configuration: {
          ...(alarm.def.description ? { description: alarm.def.description } : {}),
          metrics: alarm.def.metricsConfig ?? [],
        },
      }),
      now,
    );
  }
}

function compare(v: number, op: SimAlarmDefinition['comparison'], threshold: number): boolean {
  switch (op) {
    case 'GreaterThanThreshold':
      return v > threshold;
    case 'GreaterThanOrEqualToThreshold':
      return v >= threshold;
    case 'LessThanThreshold':
      return v < threshold;
    case 'LessThanOrEqualToThreshold':
      return v <= threshold;
  }
}

function emptyAccumulator(): PeriodAccumulator {
  return {
    requests: 0,
    target2xx: 0,
    target5xx: 0,
    elb5xx: 0,
    latencySum: 0,
    latencyCount: 0,
    latencyMin: Number.POSITIVE_INFINITY,
    latencyMax: 0,
    healthy: [],
    unhealthy: [],
  };
}

/** Splits `n` requests by weights with the largest-remainder method (deterministic, sums to n). */
export function splitByWeight(n: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0) return weights.map(() => 0);
  const exact = weights.map((w) => (n * w) / sum);
  const out = exact.map(Math.floor);
  let rest = n - out.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (rest <= 0) break;
    out[i]++;
    rest--;
  }
  return out;
}

/** Splits `n` evenly over `k` targets, rotating who gets the remainder (round robin over time). */
function splitEven(n: number, k: number, rotation: number): number[] {
  const base = Math.floor(n / k);
  const out = new Array<number>(k).fill(base);
  const rest = n - base * k;
  for (let i = 0; i < rest; i++) out[(i + rotation) % k]++;
  return out;
}

/** A binomial draw (exact for small n, normal approximation above). */
function binomial(rng: Prng, n: number, p: number): number {
  if (p <= 0 || n === 0) return 0;
  if (p >= 1) return n;
  if (n <= 50) {
    let k = 0;
    for (let i = 0; i < n; i++) if (rng.next() < p) k++;
    return k;
  }
  const mean = n * p;
  const sd = Math.sqrt(n * p * (1 - p));
  const u = Math.max(1e-12, rng.next());
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  return Math.max(0, Math.min(n, Math.round(mean + sd * z)));
}
