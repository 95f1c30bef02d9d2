import {
  type Deployment,
  DescribeServicesCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListTasksCommand,
  StopTaskCommand,
  type Task,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import type { Ecs, EcsDeployment, EcsService, EcsTask, ServiceChange, TaskStatus } from '../../ports/ecs';
import { type RetryOptions, withRetry } from './retry';

/** DescribeServices takes at most 10 services, DescribeTasks 100 tasks. */
const SERVICES_PER_CALL = 10;
const TASKS_PER_CALL = 100;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const ms = (date: Date | undefined): number | undefined => (date ? date.getTime() : undefined);

function toDeployment(d: Deployment): EcsDeployment {
  return {
    id: d.id ?? '',
    status: (d.status ?? 'ACTIVE') as EcsDeployment['status'],
    rolloutState: d.rolloutState as EcsDeployment['rolloutState'],
    taskDefinition: d.taskDefinition ?? '',
    createdAtMs: ms(d.createdAt) ?? 0,
    updatedAtMs: ms(d.updatedAt) ?? ms(d.createdAt) ?? 0,
    failedTasks: d.failedTasks ?? 0,
  };
}

function toTask(t: Task): EcsTask {
  const eni = t.attachments?.find((a) => a.type === 'ElasticNetworkInterface');
  const privateIp = eni?.details?.find((d) => d.name === 'privateIPv4Address')?.value;
  return {
    taskArn: t.taskArn ?? '',
    group: t.group,
    availabilityZone: t.availabilityZone ?? '',
    lastStatus: (t.lastStatus ?? 'PENDING') as TaskStatus,
    desiredStatus: (t.desiredStatus ?? 'RUNNING') as EcsTask['desiredStatus'],
    taskDefinitionArn: t.taskDefinitionArn ?? '',
    createdAtMs: ms(t.createdAt) ?? 0,
    startedAtMs: ms(t.startedAt),
    stoppedAtMs: ms(t.stoppedAt),
    stoppedReason: t.stoppedReason,
    stopCode: t.stopCode,
    startedBy: t.startedBy,
    healthStatus: t.healthStatus as EcsTask['healthStatus'],
    privateIp,
  };
}

/** The {@link Ecs} port over the SDK v3 ECS client, every call retried on throttling. */
export class AwsEcs implements Ecs {
  constructor(
    private readonly client: ECSClient,
    private readonly retry: RetryOptions = {},
  ) {}

  async describeServices(cluster: string, services: readonly string[]): Promise<EcsService[]> {
    const out: EcsService[] = [];
    for (const batch of chunks(services, SERVICES_PER_CALL)) {
      const page = await withRetry(
        () => this.client.send(new DescribeServicesCommand({ cluster, services: batch })),
        this.retry,
      );
      for (const s of page.services ?? []) {
        out.push({
          serviceName: s.serviceName ?? '',
          serviceArn: s.serviceArn ?? '',
          taskDefinition: s.taskDefinition ?? '',
          desiredCount: s.desiredCount ?? 0,
          runningCount: s.runningCount ?? 0,
          pendingCount: s.pendingCount ?? 0,
          deployments: (s.deployments ?? []).map(toDeployment),
          minimumHealthyPercent: s.deploymentConfiguration?.minimumHealthyPercent ?? 100,
        });
      }
    }
    return out;
  }

  async listTasks(
    cluster: string,
    serviceName: string,
    desiredStatus: 'RUNNING' | 'STOPPED',
  ): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await withRetry(
        () =>
          this.client.send(new ListTasksCommand({ cluster, serviceName, desiredStatus, nextToken: token })),
        this.retry,
      );
      arns.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return arns;
  }

  async describeTasks(cluster: string, taskArns: readonly string[]): Promise<EcsTask[]> {
    const out: EcsTask[] = [];
    for (const batch of chunks(taskArns, TASKS_PER_CALL)) {
      const page = await withRetry(
        () => this.client.send(new DescribeTasksCommand({ cluster, tasks: batch })),
        this.retry,
      );
      out.push(...(page.tasks ?? []).map(toTask));
    }
    return out;
  }

  async stopTask(cluster: string, taskArn: string, reason: string): Promise<void> {
    await withRetry(
      () => this.client.send(new StopTaskCommand({ cluster, task: taskArn, reason })),
      this.retry,
    );
  }

  async updateService(cluster: string, service: string, change: ServiceChange): Promise<void> {
    await withRetry(
      () =>
        this.client.send(
          new UpdateServiceCommand({
            cluster,
            service,
            ...(change.desiredCount !== undefined ? { desiredCount: change.desiredCount } : {}),
            ...(change.taskDefinition !== undefined ? { taskDefinition: change.taskDefinition } : {}),
          }),
        ),
      this.retry,
    );
  }
}
