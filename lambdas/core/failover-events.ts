import * as z from 'zod/mini';

/**
 * The events the failover functions accept, exactly as EventBridge delivers them to Lambda. Extra
 * fields are ignored; missing or mistyped required fields make the event malformed (a recorded no-op).
 *
 * CloudWatch alarm state change (zone-shifter):
 * ```json
 * { "version": "0", "id": "c4c1c1c9-…", "detail-type": "CloudWatch Alarm State Change",
 *   "source": "aws.cloudwatch", "account": "111111111111", "time": "2026-11-27T22:00:00Z",
 *   "region": "us-east-1", "resources": ["arn:aws:cloudwatch:…:alarm:Bulkhead-az-us-east-1a-alb"],
 *   "detail": { "alarmName": "Bulkhead-az-us-east-1a-alb",
 *               "state": { "value": "ALARM", "reason": "…", "timestamp": "…" },
 *               "previousState": { "value": "OK" } } }
 * ```
 * ECS task state change (task-replacer):
 * ```json
 * { "version": "0", "id": "…", "detail-type": "ECS Task State Change", "source": "aws.ecs",
 *   "time": "…", "region": "us-east-1", "resources": ["arn:aws:ecs:…:task/cluster/abc"],
 *   "detail": { "clusterArn": "arn:aws:ecs:…:cluster/bulkhead", "taskArn": "arn:aws:ecs:…:task/bulkhead/abc",
 *               "group": "service:cell-a", "lastStatus": "STOPPED", "desiredStatus": "STOPPED",
 *               "availabilityZone": "us-east-1a", "stoppedReason": "Essential container in task exited" } }
 * ```
 * Schedule (every function, once a minute):
 * ```json
 * { "version": "0", "id": "…", "detail-type": "Scheduled Event", "source": "aws.events",
 *   "time": "2026-11-27T22:01:00Z", "resources": ["arn:aws:events:…:rule/…"], "detail": {} }
 * ```
 */
// zod/mini: the same schemas at a fraction of the bundle size (the classic API adds ~400 KB).
const nonEmpty = () => z.string().check(z.minLength(1));
const envelope = {
  id: z.string().check(z.minLength(1), z.maxLength(256)),
  time: nonEmpty(),
};

/** A CloudWatch Alarm State Change event. */
export const alarmStateChangeSchema = z.object({
  ...envelope,
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  detail: z.object({
    alarmName: nonEmpty(),
    state: z.object({ value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']), reason: z.optional(z.string()) }),
  }),
});

/** An EventBridge scheduled event. */
export const scheduledEventSchema = z.object({
  ...envelope,
  'detail-type': z.literal('Scheduled Event'),
  source: z.literal('aws.events'),
});

/** An ECS Task State Change event. */
export const taskStateChangeSchema = z.object({
  ...envelope,
  'detail-type': z.literal('ECS Task State Change'),
  source: z.literal('aws.ecs'),
  detail: z.object({
    clusterArn: nonEmpty(),
    taskArn: nonEmpty(),
    group: z.optional(z.string()),
    lastStatus: nonEmpty(),
    desiredStatus: z.optional(z.string()),
    availabilityZone: z.optional(z.string()),
    stoppedReason: z.optional(z.string()),
  }),
});

/** What the zone-shifter accepts. */
export const zoneShifterEventSchema = z.discriminatedUnion('detail-type', [
  alarmStateChangeSchema,
  scheduledEventSchema,
]);
/** What the task-replacer accepts. */
export const taskReplacerEventSchema = z.discriminatedUnion('detail-type', [
  taskStateChangeSchema,
  scheduledEventSchema,
]);

/** Names the issues of a failed parse in one line, for the log and the audit record. */
export function describeParseError(error: z.core.$ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${describeIssue(i)}`)
    .join('; ');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  // zod/mini carries no locale; say what was expected from the issue's own fields.
  if (issue.code === 'invalid_type') return `expected ${issue.expected}`;
  if (issue.code === 'too_small') return `must not be empty`;
  if (issue.code === 'too_big') return `too long (max ${String(issue.maximum)})`;
  if (issue.code === 'invalid_value')
    return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator') {
    const options = (issue as { options?: unknown[] }).options ?? [];
    return `unsupported (expected one of ${options.map((o) => JSON.stringify(o)).join(', ')})`;
  }
  return issue.message;
}

/** The event ID when one can be found, even in an otherwise malformed event. */
export function looseEventId(event: unknown): string | undefined {
  if (typeof event === 'object' && event !== null && 'id' in event) {
    const id = (event as { id: unknown }).id;
    if (typeof id === 'string' && id.length > 0 && id.length <= 256) return id;
  }
  return undefined;
}

/**
 * Alarm names are `<prefix><az>-<kind>` (kind `alb`, `probe` or `targets`). Returns the AZ and kind of one of
 * ours, or `undefined` for anyone else's alarm.
 */
export function parseAlarmName(alarmName: string, prefix: string): { az: string; kind: string } | undefined {
  if (!alarmName.startsWith(prefix)) return undefined;
  const rest = alarmName.slice(prefix.length);
  const match = /^(.+)-(alb|probe|targets)$/.exec(rest);
  return match ? { az: match[1], kind: match[2] } : undefined;
}

/** The kinds of per-AZ alarm: ALB metrics, prober failures, prober's healthy-target count. */
export type ImpairmentAlarmKind = 'alb' | 'probe' | 'targets';

/** Builds an alarm name from its parts (the construct and the parser share this). */
export function impairmentAlarmName(prefix: string, az: string, kind: ImpairmentAlarmKind): string {
  return `${prefix}${az}-${kind}`;
}
