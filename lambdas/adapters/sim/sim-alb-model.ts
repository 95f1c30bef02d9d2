import type { TaskStatus } from '../../ports/ecs';
import type { TargetGroupWeight, TargetHealth, TargetState } from '../../ports/load-balancer';
import type { Prng } from './prng';
import { emptyAccumulator, type PeriodAccumulator, publishAlbPeriod } from './sim-alb-metrics';
import type { SimMetricStore } from './sim-metric-store';
import type { AzFault, SimContext, SimTargetGroupOptions, TrafficTick } from './sim-types';
import type { HealthCheckSettings, SimTiming } from './timing';

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

interface SimListener {
  readonly arn: string;
  weights: TargetGroupWeight[];
}

/** One change of a target's health, as the ALB saw it. */
export interface TargetTransition {
  timeMs: number;
  az: string;
  targetGroupArn: string;
  id: string;
  to: TargetState;
}

/** What the ALB model sees of the task behind a target (the ECS model's task satisfies it). */
export interface TargetTask {
  readonly arn: string;
  readonly az: string;
  readonly privateIp: string;
  readonly lastStatus: TaskStatus;
  /** Deterministic [0,1) draw that decides whether a partial gray failure touches this task. */
  readonly grayDraw: number;
}

/** What {@link SimAlbModel} needs from the rest of the region. */
export interface SimAlbModelDeps
  extends Pick<SimContext, 'region' | 'account' | 'timing' | 'nowMs' | 'ids' | 'faults'> {
  /** Where the ALB publishes its CloudWatch metrics. */
  readonly metrics: SimMetricStore;
  /** Draws of health checks (gray failures, the first checks' spread). */
  readonly health: Prng;
  /** Draws of traffic (request counts, gray failures' errors). */
  readonly traffic: Prng;
  /** Requests one task serves per second before it saturates. */
  readonly taskCapacityRps: number;
  /** The task behind a target, by ARN. */
  readonly taskOf: (taskArn: string) => TargetTask | undefined;
  /** ECS's reaction to a target that stayed unhealthy for `ecsUnhealthyStopDelayS`: replace its task. */
  readonly stopUnhealthyTask: (taskArn: string, targetGroupArn: string) => void;
}

/**
 * The simulated Application Load Balancer: one weighted listener, target groups with health checks
 * and deregistration delay, the traffic model (each second's requests split by listener weight, then
 * over a group's routable targets, under the AZ faults) and the metrics CloudWatch receives from the
 * ALB ({@link publishAlbPeriod}). The ECS model registers, drains and deregisters its tasks' targets here.
 */
export class SimAlbModel {
  /** Requests per second offered to the ALB. */
  rps = 100;
  /** The last tick's traffic. */
  lastTraffic: TrafficTick | undefined;
  /** Target health transitions (ALB's view), in order. */
  readonly targetTransitions: TargetTransition[] = [];

  private readonly region: string;
  private readonly account: string;
  private readonly timing: SimTiming;
  private readonly metrics: SimMetricStore;
  private readonly rngIds: Prng;
  private readonly rngHealth: Prng;
  private readonly rngTraffic: Prng;
  private readonly taskCapacityRps: number;
  private readonly azFaults: ReadonlyMap<string, AzFault>;
  private readonly targetGroups = new Map<string, SimTargetGroup>();
  private readonly listeners = new Map<string, SimListener>();
  private readonly loadBalancerDimension: string;
  /** ELB 503s for lack of any target, in the ALB metric period in progress. */
  private elb5xxNoTarget = 0;

  /** Draws the load balancer's id from the id stream at once: when it is built decides every later id. */
  constructor(private readonly deps: SimAlbModelDeps) {
    this.region = deps.region;
    this.account = deps.account;
    this.timing = deps.timing;
    this.metrics = deps.metrics;
    this.rngIds = deps.ids;
    this.rngHealth = deps.health;
    this.rngTraffic = deps.traffic;
    this.taskCapacityRps = deps.taskCapacityRps;
    this.azFaults = deps.faults;
    this.loadBalancerDimension = `app/bulkhead/${this.rngIds.hex(16)}`;
  }

  private nowMs(): number {
    return this.deps.nowMs();
  }

  // ---------------------------------------------------------------- setup

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

  // ---------------------------------------------------------------- reads

  /** Whether a target group ARN exists. */
  hasTargetGroup(arn: string): boolean {
    return this.targetGroups.has(arn);
  }

  /** Whether a listener ARN exists. */
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

  /**
   * One HTTP probe of a target from inside the VPC (the zonal prober's view): a status code and a
   * latency, following the same fault model as requests. Status 0 means the connection failed.
   */
  probe(ip: string, port: number, rng: Prng): { statusCode: number; latencyMs: number } {
    const target = this.findTarget(ip, port);
    const task = target ? this.deps.taskOf(target.taskArn) : undefined;
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

  // ---------------------------------------------------------------- writes

  /** ModifyListener's forward config, already validated. */
  setListenerWeights(arn: string, weights: readonly TargetGroupWeight[]): void {
    const listener = this.listeners.get(arn);
    if (!listener) throw new Error(`unknown listener ${arn}`);
    listener.weights = weights.map((w) => ({ targetGroupArn: w.targetGroupArn, weight: w.weight }));
  }

  // ---------------------------------------------------------------- targets (the ECS model's side)

  /** Registers a task's target (state `initial`: health checks decide when it takes traffic). */
  registerTarget(targetGroupArn: string, task: TargetTask): void {
    const tg = this.targetGroups.get(targetGroupArn);
    if (tg) this.register(tg, task);
  }

  /**
   * Registers a target that is already healthy (a warm start), its first check at a random second of
   * the interval.
   */
  registerHealthyTarget(targetGroupArn: string, task: TargetTask): void {
    const tg = this.targetGroups.get(targetGroupArn);
    if (!tg) return;
    const target = this.register(tg, task);
    target.state = 'healthy';
    target.okStreak = tg.healthCheck.healthyThreshold;
    // Spread the first checks over the interval, as real targets registered at different times are.
    target.nextCheckMs =
      this.nowMs() + Math.floor(this.rngHealth.uniform(0, tg.healthCheck.intervalS)) * 1000;
  }

  /**
   * Starts draining a target (deregistration in progress); returns when the deregistration delay
   * ends, or `undefined` when there is no such target.
   */
  drainTarget(targetGroupArn: string, id: string): number | undefined {
    const tg = this.targetGroups.get(targetGroupArn);
    const target = tg?.targets.get(id);
    if (!tg || !target) return undefined;
    target.state = 'draining';
    target.reason = 'Target.DeregistrationInProgress';
    target.drainUntilMs = this.nowMs() + tg.deregistrationDelayS * 1000;
    return target.drainUntilMs;
  }

  /** Removes a target from its group (a no-op for an unknown one). */
  deregisterTarget(targetGroupArn: string, id: string): void {
    this.targetGroups.get(targetGroupArn)?.targets.delete(id);
  }

  /** The ALB's view of one target, if registered. */
  targetState(targetGroupArn: string, id: string): TargetState | undefined {
    return this.targetGroups.get(targetGroupArn)?.targets.get(id)?.state;
  }

  // ---------------------------------------------------------------- the tick

  /** Advances the ALB by one second: health checks, traffic, and a metric period when one ends. */
  tick(now: number): void {
    for (const tg of this.targetGroups.values()) this.healthCheck(tg, now);
    this.serveTraffic(now);
    const periodMs = this.timing.albMetricPeriodS * 1000;
    if (now % periodMs === 0) this.publishAlbMetrics(now - periodMs, now);
  }

  // ---------------------------------------------------------------- internals

  private register(tg: SimTargetGroup, task: TargetTask): SimTarget {
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

  private grayTouches(task: TargetTask, fault: Extract<AzFault, { kind: 'gray' }>): boolean {
    return task.grayDraw < (fault.affectedShare ?? 1);
  }

  private healthCheckPasses(task: TargetTask | undefined): boolean {
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
      const task = this.deps.taskOf(target.taskArn);
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
      this.deps.stopUnhealthyTask(target.taskArn, tg.arn);
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
        const task = this.deps.taskOf(target.taskArn);
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
    const targetGroups = [...this.targetGroups.values()];
    publishAlbPeriod(this.metrics, {
      startMs,
      visibleAt: endMs + this.timing.albMetricDelayS * 1000,
      loadBalancer: this.loadBalancerDimension,
      elb5xxNoTarget: this.elb5xxNoTarget,
      targetGroups,
      requestTimeoutMs: this.timing.requestTimeoutMs,
    });
    // The next period counts from zero.
    this.elb5xxNoTarget = 0;
    for (const tg of targetGroups) tg.acc = emptyAccumulator();
  }
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
