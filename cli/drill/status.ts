import type { FailoverRuntimeConfig } from '../../lambdas/config/failover-runtime';
import { AUDIT_PREFIX, type AuditRecord } from '../../lambdas/core/audit-record';
import { PAUSE_KEY, parsePauseState } from '../../lambdas/core/pause';
import type { Ecs, EcsService } from '../../lambdas/ports/ecs';
import type { LoadBalancer, TargetHealth } from '../../lambdas/ports/load-balancer';
import type { ObjectStore } from '../../lambdas/ports/object-store';

/** What `bulkhead status` shows. */
export interface StatusReport {
  readonly source: string;
  readonly listenerArn: string;
  readonly cells: readonly {
    az: string;
    weight: number | null;
    weightShare: number;
    service: string;
    desired: number | null;
    running: number | null;
    pending: number | null;
    targets: Record<string, number>;
  }[];
  readonly pause: { paused: boolean; by?: string; reason?: string; atMs?: number; error?: string };
  readonly recentAudit: readonly Pick<
    AuditRecord,
    'decidedAtMs' | 'function' | 'decision' | 'reason' | 'az' | 'dryRun'
  >[];
}

/** The cells' part of a stack's configuration: what {@link readCells} and {@link readStatus} look at. */
type CellsConfig = Pick<FailoverRuntimeConfig, 'clusterName' | 'listenerArn' | 'cells'>;

/** One cell as the ports show it now: its listener weight, its ECS service and its targets' health. */
export interface CellReading {
  readonly cell: CellsConfig['cells'][number];
  /** Its weight in the listener (undefined: not in the listener). */
  readonly weight?: number;
  /** Its share of the listener's total weight (0 when the total is 0). */
  readonly weightShare: number;
  /** Undefined when ECS does not list the service. */
  readonly service?: EcsService;
  readonly targets: readonly TargetHealth[];
}

/**
 * Reads every cell through the ports (listener weights, one DescribeServices, each target group's
 * health): what `bulkhead status` shows and what a live drill samples.
 */
export async function readCells(
  ports: { ecs: Ecs; loadBalancer: LoadBalancer },
  config: CellsConfig,
): Promise<CellReading[]> {
  const weights = await ports.loadBalancer.getListenerWeights(config.listenerArn);
  const sum = weights.reduce((a, w) => a + w.weight, 0);
  const services = await ports.ecs.describeServices(
    config.clusterName,
    config.cells.map((c) => c.serviceName),
  );
  const cells: CellReading[] = [];
  for (const cell of config.cells) {
    const weight = weights.find((x) => x.targetGroupArn === cell.targetGroupArn)?.weight;
    cells.push({
      cell,
      weight,
      weightShare: sum > 0 && weight !== undefined ? weight / sum : 0,
      service: services.find((s) => s.serviceName === cell.serviceName),
      targets: await ports.loadBalancer.describeTargetHealth(cell.targetGroupArn),
    });
  }
  return cells;
}

/** Reads the status through the ports: the same code path for the simulated region and for AWS. */
export async function readStatus(
  ports: { ecs: Ecs; loadBalancer: LoadBalancer; store: ObjectStore },
  config: CellsConfig,
  source: string,
  auditLimit = 10,
): Promise<StatusReport> {
  const cells = (await readCells(ports, config)).map((c) => {
    const targets: Record<string, number> = {};
    for (const t of c.targets) targets[t.state] = (targets[t.state] ?? 0) + 1;
    return {
      az: c.cell.az,
      weight: c.weight ?? null,
      weightShare: c.weightShare,
      service: c.cell.serviceName,
      desired: c.service?.desiredCount ?? null,
      running: c.service?.runningCount ?? null,
      pending: c.service?.pendingCount ?? null,
      targets,
    };
  });
  const pause = parsePauseState((await ports.store.get(PAUSE_KEY))?.body);
  // Audit keys sort by time, so the newest are the last listed.
  const keys: string[] = [];
  for await (const info of ports.store.list(AUDIT_PREFIX)) keys.push(info.key);
  const recentAudit = [];
  // slice(-0) would be every key: a limit of 0 asks for none.
  for (const key of auditLimit > 0 ? keys.slice(-auditLimit) : []) {
    const obj = await ports.store.get(key);
    if (!obj) continue;
    try {
      const r = JSON.parse(new TextDecoder().decode(obj.body)) as AuditRecord;
      recentAudit.push({
        decidedAtMs: r.decidedAtMs,
        function: r.function,
        decision: r.decision,
        reason: r.reason,
        az: r.az,
        dryRun: r.dryRun,
      });
    } catch {
      recentAudit.push({ decidedAtMs: 0, function: '?', decision: 'unreadable', reason: key, dryRun: false });
    }
  }
  return {
    source,
    listenerArn: config.listenerArn,
    cells,
    pause: {
      paused: pause.paused,
      ...(pause.by ? { by: pause.by } : {}),
      ...(pause.reason ? { reason: pause.reason } : {}),
      ...(pause.atMs ? { atMs: pause.atMs } : {}),
      ...(pause.error ? { error: pause.error } : {}),
    },
    recentAudit,
  };
}

/** The table `bulkhead status` prints. */
export function renderStatus(s: StatusReport): string {
  const lines = [`Bulkhead status (${s.source})`, `listener ${s.listenerArn}`, ''];
  lines.push('AZ            weight  share  desired  running  pending  targets');
  for (const c of s.cells)
    lines.push(
      `${c.az.padEnd(12)}  ${String(c.weight ?? '?').padStart(6)}  ${`${Math.round(c.weightShare * 100)}%`.padStart(5)}  ${String(c.desired ?? '?').padStart(7)}  ${String(c.running ?? '?').padStart(7)}  ${String(c.pending ?? '?').padStart(7)}  ${
        Object.entries(c.targets)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ') || 'none'
      }`,
    );
  lines.push(
    '',
    `pause switch: ${s.pause.paused ? `PAUSED${s.pause.by ? ` by ${s.pause.by}` : ''}${s.pause.reason ? ` (${s.pause.reason})` : ''}` : 'active (not paused)'}${s.pause.error ? ` — unreadable: ${s.pause.error}` : ''}`,
    '',
    `recent audit records (${s.recentAudit.length}):`,
  );
  for (const r of s.recentAudit)
    lines.push(
      `  ${new Date(r.decidedAtMs).toISOString()}  ${r.function.padEnd(13)} ${r.decision}${r.az ? ` ${r.az}` : ''}${r.dryRun ? ' (dry-run)' : ''}: ${r.reason}`,
    );
  return lines.join('\n');
}
