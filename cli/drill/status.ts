import type { FailoverRuntimeConfig } from '../../lambdas/config/failover-runtime';
import { AUDIT_PREFIX, type AuditRecord } from '../../lambdas/core/audit-record';
import { PAUSE_KEY, parsePauseState } from '../../lambdas/core/pause';
import type { Ecs } from '../../lambdas/ports/ecs';
import type { LoadBalancer } from '../../lambdas/ports/load-balancer';
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

/** Reads the status through the ports: the same code path for the simulated region and for AWS. */
export async function readStatus(
  ports: { ecs: Ecs; loadBalancer: LoadBalancer; store: ObjectStore },
  config: Pick<FailoverRuntimeConfig, 'clusterName' | 'listenerArn' | 'cells'>,
  source: string,
  auditLimit = 10,
): Promise<StatusReport> {
  const weights = await ports.loadBalancer.getListenerWeights(config.listenerArn);
  const sum = weights.reduce((a, w) => a + w.weight, 0);
  const services = await ports.ecs.describeServices(
    config.clusterName,
    config.cells.map((c) => c.serviceName),
  );
  const cells = [];
  for (const cell of config.cells) {
    const w = weights.find((x) => x.targetGroupArn === cell.targetGroupArn);
    const svc = services.find((s) => s.serviceName === cell.serviceName);
    const targets: Record<string, number> = {};
    for (const t of await ports.loadBalancer.describeTargetHealth(cell.targetGroupArn))
      targets[t.state] = (targets[t.state] ?? 0) + 1;
    cells.push({
      az: cell.az,
      weight: w?.weight ?? null,
      weightShare: sum > 0 && w ? w.weight / sum : 0,
      service: cell.serviceName,
      desired: svc?.desiredCount ?? null,
      running: svc?.runningCount ?? null,
      pending: svc?.pendingCount ?? null,
      targets,
    });
  }
  const pause = parsePauseState((await ports.store.get(PAUSE_KEY))?.body);
  // Audit keys sort by time, so the newest are the last listed.
  const keys: string[] = [];
  for await (const info of ports.store.list(AUDIT_PREFIX)) keys.push(info.key);
  const recentAudit = [];
  for (const key of keys.slice(-auditLimit)) {
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
