import { type FailoverRuntimeConfig, resolveFailoverPolicy } from '../../lambdas/config/failover';
import type { AzSample } from '../../lambdas/core/detection';
import type { FailoverPolicy } from '../../lambdas/core/failover-policy';
import type { Ecs, EcsService, EcsTask, ServiceChange } from '../../lambdas/ports/ecs';
import type { LoadBalancer, TargetGroupWeight, TargetHealth } from '../../lambdas/ports/load-balancer';
import type { MetricQuery, MetricReader, MetricSeries } from '../../lambdas/ports/metrics';
import { AZS, CLUSTER_ARN, LISTENER_ARN, tgArn } from './fixtures';

/** Every mutating call a fake saw, in order. */
export type Call =
  | { api: 'ModifyListener'; weights: TargetGroupWeight[] }
  | { api: 'UpdateService'; service: string; change: ServiceChange }
  | { api: 'StopTask'; taskArn: string; reason: string };

/** An in-memory ECS cluster: services and tasks, recording mutating calls. */
export class FakeEcs implements Ecs {
  readonly calls: Call[];
  services = new Map<string, EcsService>();
  tasks = new Map<string, EcsTask[]>();
  fail?: (api: string) => Error | undefined;
  constructor(calls: Call[]) {
    this.calls = calls;
  }
  async describeServices(_cluster: string, names: readonly string[]) {
    return names.flatMap((n) => (this.services.has(n) ? [this.services.get(n)!] : []));
  }
  async listTasks(_cluster: string, service: string, desired: 'RUNNING' | 'STOPPED') {
    return (this.tasks.get(service) ?? []).filter((t) => t.desiredStatus === desired).map((t) => t.taskArn);
  }
  async describeTasks(_cluster: string, arns: readonly string[]) {
    const all = [...this.tasks.values()].flat();
    return arns.flatMap((arn) => all.filter((t) => t.taskArn === arn));
  }
  async stopTask(_cluster: string, taskArn: string, reason: string) {
    const error = this.fail?.('StopTask');
    if (error) throw error;
    this.calls.push({ api: 'StopTask', taskArn, reason });
  }
  async updateService(_cluster: string, service: string, change: ServiceChange) {
    const error = this.fail?.('UpdateService');
    if (error) throw error;
    this.calls.push({ api: 'UpdateService', service, change });
    const s = this.services.get(service);
    if (s)
      this.services.set(service, {
        ...s,
        ...(change.desiredCount !== undefined ? { desiredCount: change.desiredCount } : {}),
      });
  }
}

/** An in-memory listener and target groups. */
export class FakeLoadBalancer implements LoadBalancer {
  weights: TargetGroupWeight[];
  targets = new Map<string, TargetHealth[]>();
  fail?: (api: string) => Error | undefined;
  constructor(
    readonly calls: Call[],
    azs: readonly string[],
  ) {
    this.weights = azs.map((az) => ({ targetGroupArn: tgArn(az), weight: 100 }));
  }
  async getListenerWeights() {
    return this.weights.map((w) => ({ ...w }));
  }
  async setListenerWeights(_arn: string, weights: readonly TargetGroupWeight[]) {
    const error = this.fail?.('ModifyListener');
    if (error) throw error;
    this.calls.push({ api: 'ModifyListener', weights: weights.map((w) => ({ ...w })) });
    this.weights = weights.map((w) => ({ ...w }));
  }
  /** Unless set in `targets`, a group has two healthy targets (a cell serving normally). */
  async describeTargetHealth(tg: string): Promise<TargetHealth[]> {
    return (
      this.targets.get(tg) ?? [
        { id: `${tg}-t1`, port: 8080, state: 'healthy' },
        { id: `${tg}-t2`, port: 8080, state: 'healthy' },
      ]
    );
  }
}

/** Metrics whose per-AZ value in every period comes from `sample(az, periodStartMs)`. */
export class FakeMetricReader implements MetricReader {
  sample: (az: string, startMs: number) => AzSample = () => ({});
  fail?: Error;
  constructor(private readonly azs: readonly string[]) {}
  async getMetricData(
    queries: readonly MetricQuery[],
    startMs: number,
    endMs: number,
  ): Promise<MetricSeries[]> {
    if (this.fail) throw this.fail;
    return queries.map((q) => {
      const [, index, field] = /^c(\d+)_(\w+)$/.exec(q.id)!;
      const az = this.azs[Number(index)];
      const points = [];
      for (let t = startMs; t < endMs; t += q.periodSeconds * 1000) {
        let value = this.sample(az, t)[field as keyof AzSample];
        if (value === undefined) continue;
        if (field === 'latencyMs') value /= 1000; // CloudWatch reports TargetResponseTime in seconds
        points.push({ timestampMs: t, value });
      }
      return { id: q.id, points };
    });
  }
}

/** A manual clock. */
export class ManualClock {
  constructor(public now: number) {}
  nowMs() {
    return this.now;
  }
}

/** Runtime config for `n` cells. */
export function runtimeConfig(
  n = 3,
  policy: FailoverPolicy = resolveFailoverPolicy(),
): FailoverRuntimeConfig {
  return {
    clusterName: 'bulkhead',
    clusterArn: CLUSTER_ARN,
    listenerArn: LISTENER_ARN,
    alarmPrefix: 'Bulkhead-az-',
    cells: AZS.slice(0, n).map((az) => ({
      az,
      serviceName: `cell-${az.slice(-1)}`,
      targetGroupArn: tgArn(az),
    })),
    policy,
    healthPath: '/health',
    probeIntervalSeconds: 10,
    probesPerTarget: 1,
    probeTimeoutMs: 2000,
    runLeaseTtlMs: 50_000,
  };
}

/** A steady ECS service for a cell. */
export function steadyService(name: string, desired = 4, running = desired): EcsService {
  return {
    serviceName: name,
    serviceArn: `arn:aws:ecs:us-east-1:111111111111:service/bulkhead/${name}`,
    taskDefinition: 'arn:aws:ecs:us-east-1:111111111111:task-definition/app:2',
    desiredCount: desired,
    runningCount: running,
    pendingCount: 0,
    minimumHealthyPercent: 50,
    deployments: [],
  };
}

/** EventBridge events as AWS delivers them. */
export const events = {
  alarm: (id: string, alarmName: string, value: 'ALARM' | 'OK' = 'ALARM') => ({
    version: '0',
    id,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '111111111111',
    time: '2027-01-15T08:00:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:cloudwatch:us-east-1:111111111111:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: { value, reason: 'Threshold Crossed', timestamp: '2027-01-15T08:00:00.000+0000' },
      previousState: { value: 'OK' },
    },
  }),
  schedule: (id: string) => ({
    version: '0',
    id,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '111111111111',
    time: '2027-01-15T08:00:00Z',
    region: 'us-east-1',
    resources: ['arn:aws:events:us-east-1:111111111111:rule/bulkhead-tick'],
    detail: {},
  }),
  task: (id: string, detail: Record<string, unknown>) => ({
    version: '0',
    id,
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: '111111111111',
    time: '2027-01-15T08:00:00Z',
    region: 'us-east-1',
    resources: [String(detail.taskArn ?? '')],
    detail: { clusterArn: CLUSTER_ARN, ...detail },
  }),
};

export { AZS };
