import type { Ecs, EcsService, EcsTask, ServiceChange } from '../../ports/ecs';
import { ecsInvalidParameter, SimAwsError, throttling } from './errors';
import type { Prng } from './prng';
import type { SimRegion } from './sim-region';
import { throttledAfterRetries } from './sim-throttle';
import { ECS_LIMITS } from './timing';

/** Options of the simulated ECS API. */
export interface SimApiOptions {
  /**
   * Share of call attempts that fail with ThrottlingException (a scenario knob); a call fails when
   * every attempt the AWS adapters would make is throttled (see ./sim-throttle). @default 0
   */
  readonly throttleRate?: number;
  /** Stream the throttling draws come from. */
  readonly rng?: Prng;
}

/**
 * The {@link Ecs} port over the simulated region, enforcing ECS's API rules: the cluster must
 * exist, desired counts are whole numbers within [0, the service's maximum], a task definition must
 * be registered, and StopTask accepts only known tasks.
 */
export class SimEcs implements Ecs {
  constructor(
    private readonly region: SimRegion,
    private readonly options: SimApiOptions = {},
  ) {}

  private check(api: string, cluster: string): void {
    const record = () =>
      this.region.recordCall({ api, target: cluster, params: {}, ok: false, error: 'ThrottlingException' });
    if (throttledAfterRetries(this.options, record)) throw throttling(api);
    if (cluster !== this.region.clusterName && cluster !== this.region.clusterArn)
      throw new SimAwsError('ClusterNotFoundException', `Cluster not found: ${cluster}`);
  }

  async describeServices(cluster: string, services: readonly string[]): Promise<EcsService[]> {
    this.check('DescribeServices', cluster);
    if (services.length > 10)
      throw ecsInvalidParameter(`DescribeServices accepts at most 10 services, got ${services.length}`);
    return this.region.describeServices(services);
  }

  async listTasks(
    cluster: string,
    serviceName: string,
    desiredStatus: 'RUNNING' | 'STOPPED',
  ): Promise<string[]> {
    this.check('ListTasks', cluster);
    if (this.region.describeServices([serviceName]).length === 0)
      throw new SimAwsError('ServiceNotFoundException', `Service not found: ${serviceName}`);
    return this.region.listTasks(serviceName, desiredStatus);
  }

  async describeTasks(cluster: string, taskArns: readonly string[]): Promise<EcsTask[]> {
    this.check('DescribeTasks', cluster);
    if (taskArns.length > 100)
      throw ecsInvalidParameter(`DescribeTasks accepts at most 100 tasks, got ${taskArns.length}`);
    return this.region.describeTasks(taskArns);
  }

  async stopTask(cluster: string, taskArn: string, reason: string): Promise<void> {
    this.check('StopTask', cluster);
    const fail = (message: string): never => {
      this.region.recordCall({
        api: 'StopTask',
        target: taskArn,
        params: { reason },
        ok: false,
        error: message,
      });
      throw ecsInvalidParameter(message);
    };
    if (!this.region.hasTask(taskArn)) fail('The referenced task was not found.');
    if (reason.length > 255) fail(`reason must be at most 255 characters, got ${reason.length}`);
    this.region.stopTask(taskArn, reason);
    this.region.recordCall({ api: 'StopTask', target: taskArn, params: { reason }, ok: true });
  }

  async updateService(cluster: string, service: string, change: ServiceChange): Promise<void> {
    this.check('UpdateService', cluster);
    const fail = (name: string, message: string): never => {
      this.region.recordCall({
        api: 'UpdateService',
        target: service,
        params: change,
        ok: false,
        error: message,
      });
      throw new SimAwsError(name, message);
    };
    const limits = this.region.serviceLimits(service);
    if (!limits) fail('ServiceNotFoundException', `Service not found: ${service}`);
    const max = Math.min(limits?.maxDesiredCount ?? ECS_LIMITS.maxDesiredCount, ECS_LIMITS.maxDesiredCount);
    if (change.desiredCount !== undefined) {
      const n = change.desiredCount;
      if (!Number.isInteger(n) || n < 0 || n > max)
        fail('InvalidParameterException', `desiredCount must be an integer between 0 and ${max}, got ${n}`);
    }
    if (change.taskDefinition !== undefined && !this.region.hasTaskDefinition(change.taskDefinition))
      fail('ClientException', `TaskDefinition not found: ${change.taskDefinition}`);
    this.region.updateService(service, change);
    this.region.recordCall({ api: 'UpdateService', target: service, params: change, ok: true });
  }
}
