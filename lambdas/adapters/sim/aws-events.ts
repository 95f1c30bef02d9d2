/**
 * Builders for events exactly as EventBridge delivers them (envelope + detail), so handlers parse
 * the same bytes in a drill as on AWS. Field names and shapes follow the AWS documentation for
 * "ECS Task State Change", "ECS Service Action", "CloudWatch Alarm State Change" and "Scheduled Event".
 */
export interface EventBridgeEvent<TDetail = Record<string, unknown>> {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: TDetail;
}

/** Where an event comes from. */
export interface EventOrigin {
  readonly account: string;
  readonly region: string;
  readonly id: string;
  readonly timeMs: number;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The envelope fields common to every event. */
function envelope<T>(
  origin: EventOrigin,
  detailType: string,
  source: string,
  resources: readonly string[],
  detail: T,
): EventBridgeEvent<T> {
  return {
    version: '0',
    id: origin.id,
    'detail-type': detailType,
    source,
    account: origin.account,
    // EventBridge event times have second precision.
    time: `${iso(Math.floor(origin.timeMs / 1000) * 1000).slice(0, 19)}Z`,
    region: origin.region,
    resources,
    detail,
  };
}

/** The task fields an ECS Task State Change carries (trimmed to what ECS always sends). */
export interface TaskStateDetail {
  readonly clusterArn: string;
  readonly taskArn: string;
  readonly taskDefinitionArn: string;
  readonly group?: string;
  readonly startedBy?: string;
  readonly availabilityZone: string;
  readonly lastStatus: string;
  readonly desiredStatus: string;
  readonly launchType: 'FARGATE';
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly stoppingAt?: string;
  readonly stoppedAt?: string;
  readonly stopCode?: string;
  readonly stoppedReason?: string;
  readonly healthStatus?: string;
  readonly updatedAt: string;
  readonly version: number;
  readonly containers: readonly {
    readonly name: string;
    readonly lastStatus: string;
    readonly exitCode?: number;
    readonly taskArn: string;
    readonly networkInterfaces: readonly { readonly privateIpv4Address: string }[];
  }[];
  readonly attachments: readonly {
    readonly type: 'eni';
    readonly status: string;
    readonly details: readonly { readonly name: string; readonly value: string }[];
  }[];
}

/** "ECS Task State Change". */
export function taskStateChangeEvent(
  origin: EventOrigin,
  detail: TaskStateDetail,
): EventBridgeEvent<TaskStateDetail> {
  return envelope(origin, 'ECS Task State Change', 'aws.ecs', [detail.taskArn], detail);
}

/** The detail of "CloudWatch Alarm State Change". */
export interface AlarmStateDetail {
  readonly alarmName: string;
  readonly state: { readonly value: AlarmState; readonly reason: string; readonly timestamp: string };
  readonly previousState: { readonly value: AlarmState; readonly reason: string; readonly timestamp: string };
  readonly configuration: {
    readonly description?: string;
    readonly metrics: readonly unknown[];
  };
}

/** CloudWatch alarm states. */
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** "CloudWatch Alarm State Change". */
export function alarmStateChangeEvent(
  origin: EventOrigin,
  alarmArn: string,
  detail: AlarmStateDetail,
): EventBridgeEvent<AlarmStateDetail> {
  return envelope(origin, 'CloudWatch Alarm State Change', 'aws.cloudwatch', [alarmArn], detail);
}

/** "Scheduled Event" from an EventBridge rule (rate or cron). */
export function scheduledEvent(
  origin: EventOrigin,
  ruleArn: string,
): EventBridgeEvent<Record<string, never>> {
  return envelope(origin, 'Scheduled Event', 'aws.events', [ruleArn], {});
}

/** The timestamp format of alarm state fields (`2026-01-01T00:00:00.000+0000`). */
export function alarmTimestamp(ms: number): string {
  return iso(ms).replace('Z', '+0000');
}
