import type { AzHealth } from '../../lambdas/core/detection';
import { DEFAULT_FAILOVER_POLICY, type FailoverPolicy } from '../../lambdas/core/failover-policy';
import type { ZoneShifterCell } from '../../lambdas/zone-shifter/decide';

/** AZ names for up to five cells. */
export const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1f'];

/** A target group ARN for an AZ. */
export const tgArn = (az: string): string =>
  `arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/cell-${az.slice(-1)}/0123456789abcdef`;

export const LISTENER_ARN =
  'arn:aws:elasticloadbalancing:us-east-1:111111111111:listener/app/bulkhead/50dc6c495c0c9188/f2f7dc8efc522ab2';
export const CLUSTER_ARN = 'arn:aws:ecs:us-east-1:111111111111:cluster/bulkhead';

/** The default policy with overrides. */
export function policyWith(
  overrides: {
    zoneShift?: Partial<FailoverPolicy['zoneShift']>;
    detection?: Partial<FailoverPolicy['detection']>;
    guard?: Partial<FailoverPolicy['guard']>;
    taskReplacer?: Partial<FailoverPolicy['taskReplacer']>;
    dryRun?: boolean;
  } = {},
): FailoverPolicy {
  const d = DEFAULT_FAILOVER_POLICY;
  return {
    detection: { ...d.detection, ...overrides.detection },
    zoneShift: { ...d.zoneShift, ...overrides.zoneShift },
    taskReplacer: { ...d.taskReplacer, ...overrides.taskReplacer },
    guard: { ...d.guard, ...overrides.guard },
    dryRun: overrides.dryRun ?? d.dryRun,
  };
}

/** A health verdict built directly (decide tests don't go through detection). */
export function health(az: string, status: AzHealth['status'], extra: Partial<AzHealth> = {}): AzHealth {
  return {
    az,
    status,
    badInWindow: status === 'impaired' ? 3 : 0,
    missingInWindow: status === 'unknown' ? 5 : 0,
    detectionMs: status === 'impaired' ? 180_000 : undefined,
    goodForMs: status === 'healthy' ? 3_600_000 : 0,
    recent: [],
    why: `${status} by fixture`,
    ...extra,
  };
}

/** `n` cells, each with 4 desired and running tasks, all healthy unless overridden. */
export function cells(
  n: number,
  overrides: Record<
    string,
    Partial<ZoneShifterCell> & { status?: AzHealth['status']; health?: AzHealth }
  > = {},
): ZoneShifterCell[] {
  return AZS.slice(0, n).map((az) => {
    const o = overrides[az] ?? {};
    const { status, ...rest } = o;
    return {
      az,
      targetGroupArn: tgArn(az),
      serviceName: `cell-${az.slice(-1)}`,
      desiredCount: 4,
      runningCount: 4,
      health: o.health ?? health(az, status ?? 'healthy'),
      ...rest,
    };
  });
}
