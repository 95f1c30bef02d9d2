import type { EcsService, EcsTask } from '../../ports/ecs';
import type { TargetGroupWeight, TargetHealth } from '../../ports/load-balancer';
import { MemoryObjectStore } from '../memory/memory-object-store';
import { type AlarmState, type EventBridgeEvent, type EventOrigin, scheduledEvent } from './aws-events';
import { Prng } from './prng';
import { type SimAlarmDefinition, SimAlarms } from './sim-alarms';
import { SimAlbModel, type TargetTransition } from './sim-alb-model';
import { SimClock } from './sim-clock';
import { SimEcsModel } from './sim-ecs-model';
import { SimEventBus } from './sim-event-bus';
import { SimMetricStore } from './sim-metric-store';
import type {
  ApiCall,
  AzFault,
  SimContext,
  SimServiceOptions,
  SimTargetGroupOptions,
  TaskDefinitionBehaviour,
  TrafficTick,
} from './sim-types';
import { DEFAULT_TIMING, type SimTiming } from './timing';

// Drill wiring declares its alarms with this type; it is the parameter of {@link SimRegion.addAlarm}.
export type { SimAlarmDefinition } from './sim-alarms';

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

/**
 * The embedded simulated region: ECS ({@link SimEcsModel}: services, tasks, task definitions, the
 * scheduler), one ALB and the traffic model ({@link SimAlbModel}: listener weights, target groups,
 * health checks, deregistration, requests and probes), CloudWatch (metrics, and alarms in
 * {@link SimAlarms}), EventBridge (rules, at-least-once delivery) and S3 (a memory object store), all
 * driven by a simulated clock and a seeded PRNG. It advances in 1-second ticks ({@link tick}).
 * The ports in this folder are thin views over it that enforce the real APIs' limits; this class
 * owns the shared pieces (clock, PRNG streams, AZ faults, the bus) and hands each model its part.
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

  private readonly rng: Prng;
  private readonly rngIds: Prng;
  private readonly azFaults = new Map<string, AzFault>();
  private readonly ecs: SimEcsModel;
  private readonly alb: SimAlbModel;
  private readonly alarms: SimAlarms;

  constructor(options: SimRegionOptions) {
    this.region = options.region ?? 'us-east-1';
    this.account = options.account ?? '111111111111';
    this.clusterName = options.clusterName ?? 'bulkhead';
    this.clusterArn = `arn:aws:ecs:${this.region}:${this.account}:cluster/${this.clusterName}`;
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.taskCapacityRps = options.taskCapacityRps ?? 25;
    this.rng = new Prng(options.seed);
    const taskStart = this.rng.fork('task-start');
    const traffic = this.rng.fork('traffic');
    const health = this.rng.fork('health');
    this.rngIds = this.rng.fork('ids');
    this.clock = new SimClock();
    this.metrics = new SimMetricStore(() => this.clock.nowMs());
    this.bus = new SimEventBus(this.rng.fork('events'), {
      latencyS: this.timing.eventDeliveryS,
      duplicateRate: 0,
      jitterS: [0, 0],
    });
    this.objects = new MemoryObjectStore(() => this.clock.nowMs());
    const context: SimContext = {
      region: this.region,
      account: this.account,
      timing: this.timing,
      nowMs: () => this.nowMs(),
      ids: this.rngIds,
      faults: this.azFaults,
      bus: this.bus,
      origin: () => this.origin(),
    };
    // The ALB model draws the load balancer's id from the id stream as it is built: keep it first, so
    // every id after it (and so every report) stays what it was.
    this.alb = new SimAlbModel({
      ...context,
      metrics: this.metrics,
      health,
      traffic,
      taskCapacityRps: this.taskCapacityRps,
      taskOf: (arn) => this.ecs.task(arn),
      stopUnhealthyTask: (taskArn, targetGroupArn) => this.ecs.stopUnhealthyTask(taskArn, targetGroupArn),
    });
    this.ecs = new SimEcsModel({
      ...context,
      clusterName: this.clusterName,
      clusterArn: this.clusterArn,
      taskStart,
      alb: this.alb,
    });
    this.alarms = new SimAlarms({ ...context, metrics: this.metrics });
  }

  /** A PRNG stream for a concern outside the region (probes, scenario draws). */
  stream(name: string): Prng {
    return this.rng.fork(name);
  }

  /** The simulated time, epoch milliseconds. */
  nowMs(): number {
    return this.clock.nowMs();
  }

  /** Requests per second offered to the ALB. */
  get rps(): number {
    return this.alb.rps;
  }

  set rps(value: number) {
    this.alb.rps = value;
  }

  /** The last tick's traffic. */
  get lastTraffic(): TrafficTick | undefined {
    return this.alb.lastTraffic;
  }

  /** Target health transitions (ALB's view), in order. */
  get targetTransitions(): TargetTransition[] {
    return this.alb.targetTransitions;
  }

  // ---------------------------------------------------------------- setup

  /** Registers a task definition revision and returns its ARN. */
  registerTaskDefinition(family: string, behaviour: TaskDefinitionBehaviour = {}): string {
    return this.ecs.registerTaskDefinition(family, behaviour);
  }

  /** Changes how an existing revision behaves (a scenario's trigger, e.g. a bad config flag). */
  setTaskDefinitionBehaviour(arn: string, behaviour: TaskDefinitionBehaviour): void {
    this.ecs.setTaskDefinitionBehaviour(arn, behaviour);
  }

  /** Whether a task definition ARN is registered. */
  hasTaskDefinition(arn: string): boolean {
    return this.ecs.hasTaskDefinition(arn);
  }

  /** Every registered task definition ARN, oldest first. */
  taskDefinitionArns(): string[] {
    return this.ecs.taskDefinitionArns();
  }

  /** Creates a target group and returns its ARN. */
  createTargetGroup(options: SimTargetGroupOptions): string {
    return this.alb.createTargetGroup(options);
  }

  /** Creates the ALB listener with a weighted forward action and returns its ARN. */
  createListener(weights: readonly TargetGroupWeight[]): string {
    return this.alb.createListener(weights);
  }

  /**
   * Creates a service in steady state: its tasks are already RUNNING and their targets healthy, so
   * a drill starts from a warm region.
   */
  createService(options: SimServiceOptions): string {
    return this.ecs.createService(options);
  }

  /** Routes events matching `matches` to `target` (an EventBridge rule). */
  addRule(name: string, target: string, matches: (event: EventBridgeEvent<unknown>) => boolean): void {
    this.bus.addRule({ name, target, matches });
  }

  /** Adds a CloudWatch alarm, evaluated at each multiple of its period. */
  addAlarm(def: SimAlarmDefinition): string {
    return this.alarms.add(def);
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
    return this.ecs.killTasks(az, share, reason);
  }

  // ---------------------------------------------------------------- reads (ports use these)

  /** Service views in the shape of the Ecs port. */
  describeServices(names: readonly string[]): EcsService[] {
    return this.ecs.describeServices(names);
  }

  /** All service names. */
  serviceNames(): string[] {
    return this.ecs.serviceNames();
  }

  /** Service options needed by limits checks. */
  serviceLimits(name: string): { maxDesiredCount: number } | undefined {
    return this.ecs.serviceLimits(name);
  }

  /** Task ARNs of a service by desired status, as ListTasks returns them. */
  listTasks(serviceName: string, desiredStatus: 'RUNNING' | 'STOPPED'): string[] {
    return this.ecs.listTasks(serviceName, desiredStatus);
  }

  /** Task views; unknown ARNs are omitted (ECS reports them as failures). */
  describeTasks(arns: readonly string[]): EcsTask[] {
    return this.ecs.describeTasks(arns);
  }

  /** Every task, for reports. */
  allTasks(): EcsTask[] {
    return this.ecs.allTasks();
  }

  /** Whether a task ARN is known (STOPPED tasks stay known). */
  hasTask(arn: string): boolean {
    return this.ecs.hasTask(arn);
  }

  /** Whether a target group ARN exists. */
  hasTargetGroup(arn: string): boolean {
    return this.alb.hasTargetGroup(arn);
  }

  /** Whether a listener ARN exists. */
  hasListener(arn: string): boolean {
    return this.alb.hasListener(arn);
  }

  /** The listener's forward weights. */
  listenerWeights(arn: string): TargetGroupWeight[] {
    return this.alb.listenerWeights(arn);
  }

  /** Every listener ARN. */
  listenerArns(): string[] {
    return this.alb.listenerArns();
  }

  /** Target health as DescribeTargetHealth reports it. */
  targetHealth(targetGroupArn: string): TargetHealth[] {
    return this.alb.targetHealth(targetGroupArn);
  }

  /** The AZ of a zonal target group. */
  targetGroupAz(arn: string): string | undefined {
    return this.alb.targetGroupAz(arn);
  }

  /** The CloudWatch `TargetGroup` dimension value of a target group. */
  targetGroupDimension(arn: string): string {
    return this.alb.targetGroupDimension(arn);
  }

  /** The CloudWatch `LoadBalancer` dimension value of the ALB. */
  get loadBalancer(): string {
    return this.alb.loadBalancer;
  }

  /** Healthy targets per AZ across every target group. */
  healthyTargetsByAz(): Record<string, number> {
    return this.alb.healthyTargetsByAz();
  }

  /** Current alarm states. */
  alarmStates(): { name: string; state: AlarmState; changedAtMs: number }[] {
    return this.alarms.states();
  }

  /**
   * One HTTP probe of a target from inside the VPC (the zonal prober's view): a status code and a
   * latency, following the same fault model as requests. Status 0 means the connection failed.
   */
  probe(ip: string, port: number, rng: Prng): { statusCode: number; latencyMs: number } {
    return this.alb.probe(ip, port, rng);
  }

  // ---------------------------------------------------------------- writes (ports call these after validating)

  /** ModifyListener's forward config, already validated. */
  setListenerWeights(arn: string, weights: readonly TargetGroupWeight[]): void {
    this.alb.setListenerWeights(arn, weights);
  }

  /** UpdateService, already validated. */
  updateService(name: string, change: { desiredCount?: number; taskDefinition?: string }): void {
    this.ecs.updateService(name, change);
  }

  /** StopTask, already validated. */
  stopTask(arn: string, reason: string): void {
    this.ecs.stopTask(arn, reason);
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
    this.ecs.tick(now);
    this.alb.tick(now);
    this.alarms.evaluate(now);
  }

  /** The envelope of the next event the region puts on the bus; its id comes from the id stream. */
  private origin(): EventOrigin {
    const h = this.rngIds.hex(32);
    const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
    return { account: this.account, region: this.region, id, timeMs: this.nowMs() };
  }
}
