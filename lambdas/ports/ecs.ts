/**
 * The slice of Amazon ECS that Bulkhead reads and drives. Shapes are trimmed to what the
 * decisions use, so the AWS adapter, the mock and the simulated region agree on them.
 */
export interface Ecs {
  /** Describes services of one cluster by name or ARN. Unknown services are omitted. */
  describeServices(cluster: string, services: readonly string[]): Promise<EcsService[]>;
  /** Lists task ARNs of a service, by desired status (RUNNING includes PENDING/PROVISIONING). */
  listTasks(cluster: string, serviceName: string, desiredStatus: 'RUNNING' | 'STOPPED'): Promise<string[]>;
  /** Describes tasks by ARN. */
  describeTasks(cluster: string, taskArns: readonly string[]): Promise<EcsTask[]>;
  /** Stops one task; `reason` carries Bulkhead's marker so later runs can count its own stops. */
  stopTask(cluster: string, taskArn: string, reason: string): Promise<void>;
  /** Changes a service's desired count and/or task definition. */
  updateService(cluster: string, service: string, change: ServiceChange): Promise<void>;
}

/** What UpdateService may change. */
export interface ServiceChange {
  readonly desiredCount?: number;
  readonly taskDefinition?: string;
}

/** One ECS service (a Bulkhead cell). */
export interface EcsService {
  readonly serviceName: string;
  readonly serviceArn: string;
  readonly taskDefinition: string;
  readonly desiredCount: number;
  readonly runningCount: number;
  readonly pendingCount: number;
  readonly deployments: readonly EcsDeployment[];
  /** From the deployment configuration; ECS's default is 100. */
  readonly minimumHealthyPercent: number;
}

/** One deployment of a service. */
export interface EcsDeployment {
  readonly id: string;
  readonly status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
  readonly rolloutState?: 'COMPLETED' | 'FAILED' | 'IN_PROGRESS';
  readonly taskDefinition: string;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  readonly failedTasks: number;
}

/** Task lifecycle states, as ECS reports them. */
export type TaskStatus =
  | 'PROVISIONING'
  | 'PENDING'
  | 'ACTIVATING'
  | 'RUNNING'
  | 'DEACTIVATING'
  | 'STOPPING'
  | 'DEPROVISIONING'
  | 'STOPPED';

/** One task. */
export interface EcsTask {
  readonly taskArn: string;
  readonly group?: string;
  readonly availabilityZone: string;
  readonly lastStatus: TaskStatus;
  readonly desiredStatus: 'RUNNING' | 'STOPPED';
  readonly taskDefinitionArn: string;
  readonly createdAtMs: number;
  readonly startedAtMs?: number;
  readonly stoppedAtMs?: number;
  readonly stoppedReason?: string;
  readonly stopCode?: string;
  readonly startedBy?: string;
  readonly healthStatus?: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
  /** Private IPv4 address of the task's ENI, used to match target health and prober results. */
  readonly privateIp?: string;
}
