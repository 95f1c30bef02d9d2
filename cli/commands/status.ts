import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import type { FailoverRuntimeConfig } from '../../lambdas/config/failover-runtime';
import { AUDIT_PREFIX, type AuditRecord } from '../../lambdas/core/audit-record';
import { PAUSE_KEY, parsePauseState } from '../../lambdas/core/pause';
import type { Ecs } from '../../lambdas/ports/ecs';
import type { LoadBalancer } from '../../lambdas/ports/load-balancer';
import type { ObjectStore } from '../../lambdas/ports/object-store';
import { LiveTargetError, livePorts, loadLiveTarget } from '../drill/live-ports';
import { simulate } from '../drill/runner';
import { loadScenario, parseScenario, ScenarioError } from '../drill/scenario';
import { failoverRuntimeConfig } from '../drill/wiring';

/** Exit codes of `bulkhead status`. */
export const STATUS_EXIT = { ok: 0, error: 1, usage: 2 } as const;

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

function parseNonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`must be a whole number ≥ 0, got ${value}`);
  return n;
}

/** `bulkhead status`: listener weights, per-AZ health, the pause switch and recent audit records. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description(
      "Show Bulkhead's view of the service: listener weights, per-AZ tasks and target health, the pause switch, and recent audit records. Reads the simulated region by default (optionally after playing a drill scenario), or a deployed stack with --live.",
    )
    .option('-s, --scenario <name|file>', 'play this drill scenario first')
    .option(
      '--at <seconds>',
      'simulated seconds to play (default: first fault + 300 s, or 600)',
      parseNonNegative,
    )
    .option('--seed <n>', 'seed of the simulated region', parseNonNegative, 1)
    .option('-n, --audit <count>', 'audit records to show', parseNonNegative, 10)
    .option('--json', 'print one JSON object')
    .option('--live', 'read the deployed stack (needs --config and --bucket); read-only')
    .option('--config <file>', 'with --live: the BULKHEAD_FAILOVER_CONFIG JSON of the deployed functions')
    .option('--bucket <name>', 'with --live: the state bucket (stack output StateBucketName)')
    .addHelpText(
      'after',
      `\nExit codes: ${STATUS_EXIT.ok} done; ${STATUS_EXIT.error} error (AWS or I/O); ${STATUS_EXIT.usage} bad arguments or scenario.`,
    )
    .action(async (o: Record<string, unknown>) => {
      try {
        let report: StatusReport;
        if (o.live) {
          const target = loadLiveTarget(o.config as string | undefined, o.bucket as string | undefined);
          report = await readStatus(
            livePorts(target),
            target.config,
            `live stack, state bucket ${target.bucket}`,
            o.audit as number,
          );
        } else {
          const scenario = o.scenario
            ? loadScenario(o.scenario as string)
            : parseScenario({ name: 'steady', description: 'no fault', durationS: 3600 });
          const first =
            scenario.faults.length > 0 ? Math.min(...scenario.faults.map((f) => f.at)) : undefined;
          const untilS = (o.at as number | undefined) ?? (first !== undefined ? first + 300 : 600);
          const workDir = await mkdtemp(path.join(tmpdir(), 'bulkhead-status-'));
          const world = await simulate({
            scenario,
            mode: 'bulkhead',
            seed: o.seed as number,
            workDir,
            untilS,
          });
          const { region } = world.topology;
          report = await readStatus(
            { ecs: world.ctx.ports.ecs, loadBalancer: world.ctx.ports.loadBalancer, store: region.objects },
            failoverRuntimeConfig(world.ctx),
            `simulated region, scenario ${scenario.name} at ${untilS} s, seed ${o.seed as number}`,
            o.audit as number,
          );
        }
        process.stdout.write(`${o.json ? JSON.stringify(report, null, 1) : renderStatus(report)}\n`);
      } catch (error) {
        const usage = error instanceof ScenarioError || error instanceof LiveTargetError;
        process.stderr.write(`bulkhead status: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = usage ? STATUS_EXIT.usage : STATUS_EXIT.error;
      }
    });
}
