import type { EcsDeployment, EcsService, EcsTask, TaskStatus } from '../../ports/ecs';
import { type EventOrigin, taskStateChangeEvent } from './aws-events';
import type { Prng } from './prng';
import type { SimAlbModel, TargetTask } from './sim-alb-model';
import type { SimEventBus } from './sim-event-bus';
import type { AzFault, SimContext, SimServiceOptions, TaskDefinitionBehaviour } from './sim-types';
import type { SimTiming } from './timing';

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

/** What {@link SimEcsModel} needs from the rest of the region. */
export interface SimEcsModelDeps extends SimContext {
  readonly clusterName: string;
  readonly clusterArn: string;
  /** Draws of task start latencies. */
  readonly taskStart: Prng;
  /** The load balancer the services register their tasks in. */
  readonly alb: SimAlbModel;
}

/**
 * The simulated ECS: task definitions, services and their deployments, and the task lifecycle
 * (PROVISIONING → PENDING → RUNNING → DEACTIVATING → STOPPING → STOPPED). The service scheduler keeps
 * the desired count, places tasks across AZs, backs off after failed launches, rolls deployments and
 * trips the deployment circuit breaker. Every task state change goes on the bus.
 */
export class SimEcsModel {
  private readonly region: string;
  private readonly account: string;
  private readonly clusterName: string;
  private readonly clusterArn: string;
  private readonly timing: SimTiming;
  private readonly rngIds: Prng;
  private readonly rngStart: Prng;
  private readonly azFaults: ReadonlyMap<string, AzFault>;
  private readonly alb: SimAlbModel;
  private readonly bus: SimEventBus;
  private readonly taskDefinitions = new Map<string, SimTaskDefinition>();
  private readonly services = new Map<string, SimService>();
  private readonly tasks = new Map<string, SimTask>();
  private ipCounter = 10;

  constructor(private readonly deps: SimEcsModelDeps) {
    this.region = deps.region;
    this.account = deps.account;
    this.clusterName = deps.clusterName;
    this.clusterArn = deps.clusterArn;
    this.timing = deps.timing;
    this.rngIds = deps.ids;
    this.rngStart = deps.taskStart;
    this.azFaults = deps.faults;
    this.alb = deps.alb;
    this.bus = deps.bus;
  }

  private nowMs(): number {
    return this.deps.nowMs();
  }

  private origin(): EventOrigin {
    return this.deps.origin();
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
      const tg = this.serviceTargetGroup(service.name);
      if (tg) this.alb.registerHealthyTarget(tg, task);
    }
    return arn;
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

  /** Whether a task ARN is known (STOPPED tasks stay known). */
  hasTask(arn: string): boolean {
    return this.tasks.has(arn);
  }

  /** A task by ARN (the ALB model looks up the tasks behind its targets). */
  task(arn: string): TargetTask | undefined {
    return this.tasks.get(arn);
  }

  // ---------------------------------------------------------------- writes (ports call these after validating)

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

  /** ECS replaces a task that failed its load balancer's health checks (the ALB model calls this). */
  stopUnhealthyTask(taskArn: string, targetGroupArn: string): void {
    const task = this.tasks.get(taskArn);
    if (task && task.desiredStatus === 'RUNNING')
      this.beginStop(
        task,
        'ServiceSchedulerInitiated',
        `Task failed ELB health checks in (target-group ${targetGroupArn})`,
      );
  }

  // ---------------------------------------------------------------- the tick

  /** Advances ECS by one second: every task's lifecycle, then each service's scheduler. */
  tick(now: number): void {
    for (const task of [...this.tasks.values()]) this.advanceTask(task, now);
    for (const service of this.services.values()) this.reconcile(service, now);
  }

  // ---------------------------------------------------------------- internals

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
    const targetState = tg ? this.alb.targetState(tg, t.privateIp) : undefined;
    const healthStatus: EcsTask['healthStatus'] =
      t.lastStatus !== 'RUNNING'
        ? 'UNKNOWN'
        : targetState === 'unhealthy'
          ? 'UNHEALTHY'
          : targetState === 'healthy'
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

  /** The ARN of the target group a service registers its tasks in, if it has one the ALB knows. */
  private serviceTargetGroup(serviceName: string): string | undefined {
    const arn = this.services.get(serviceName)?.targetGroupArn;
    return arn && this.alb.hasTargetGroup(arn) ? arn : undefined;
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
          if (tg) this.alb.registerTarget(tg, task);
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
          this.deregister(task);
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
    this.deregister(task);
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
    const drainUntilMs =
      tg && task.lastStatus === 'RUNNING' ? this.alb.drainTarget(tg, task.privateIp) : undefined;
    if (drainUntilMs !== undefined) {
      task.lastStatus = 'DEACTIVATING';
      task.phaseEndsAtMs = drainUntilMs;
    } else {
      task.lastStatus = 'STOPPING';
      task.phaseEndsAtMs = now + this.timing.stoppingS * 1000;
    }
    this.emitTask(task);
  }

  /** Takes a task's target out of its group (it no longer exists for the ALB). */
  private deregister(task: SimTask): void {
    const tg = this.serviceTargetGroup(task.serviceName);
    if (tg) this.alb.deregisterTarget(tg, task.privateIp);
  }

  private finishStop(task: SimTask, now: number): void {
    task.lastStatus = 'STOPPED';
    task.desiredStatus = 'STOPPED';
    task.stoppedAtMs = now;
    task.stoppingAtMs = task.stoppingAtMs ?? now;
    task.phaseEndsAtMs = undefined;
    this.deregister(task);
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
    const tg = this.serviceTargetGroup(service.name);
    const healthyPrimary = primaryTasks.filter(
      (t) => t.lastStatus === 'RUNNING' && (!tg || this.alb.targetState(tg, t.privateIp) === 'healthy'),
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
}
