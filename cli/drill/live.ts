import type { EventEmitter } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AUDIT_PREFIX, type AuditRecord } from '../../lambdas/core/audit-record';
import { loadBalancerDimension, targetGroupDimension } from '../../lambdas/core/cell-metrics';
import type { Ecs } from '../../lambdas/ports/ecs';
import type { LoadBalancer } from '../../lambdas/ports/load-balancer';
import type { MetricReader } from '../../lambdas/ports/metrics';
import type { ObjectStore } from '../../lambdas/ports/object-store';
import { renderConsole } from './console-report';
import { computeFigures } from './figures';
import { type LiveTarget, livePorts, loadLiveTarget } from './live-ports';
import { buildReport } from './report';
import type { RunResult } from './runner';
import type { Fault, Scenario } from './scenario';
import { readCells } from './status';
import { type AzBucket, BUCKET_S, type Bucket, type TimelineEvent } from './timeline';

/** The path a live "gray" fault points a cell's health check at: nothing serves it, so targets fail. */
export const FAILING_HEALTH_PATH = '/bulkhead-drill-failing-health-check';

/** The two AWS calls a live drill injects faults with (and undoes them with). */
export interface LiveFaultApi {
  getDesiredCount(cluster: string, service: string): Promise<number>;
  setDesiredCount(cluster: string, service: string, desiredCount: number): Promise<void>;
  getHealthCheckPath(targetGroupArn: string): Promise<string>;
  setHealthCheckPath(targetGroupArn: string, path: string): Promise<void>;
}

/** {@link LiveFaultApi} over the AWS SDK. */
export class AwsLiveFaultApi implements LiveFaultApi {
  constructor(
    private readonly ecs = new ECSClient({}),
    private readonly elb = new ElasticLoadBalancingV2Client({}),
  ) {}

  async getDesiredCount(cluster: string, service: string): Promise<number> {
    const out = await this.ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
    const found = out.services?.[0];
    if (found?.desiredCount === undefined)
      throw new Error(`service ${service} not found in cluster ${cluster}`);
    return found.desiredCount;
  }

  async setDesiredCount(cluster: string, service: string, desiredCount: number): Promise<void> {
    await this.ecs.send(new UpdateServiceCommand({ cluster, service, desiredCount }));
  }

  async getHealthCheckPath(targetGroupArn: string): Promise<string> {
    const out = await this.elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [targetGroupArn] }));
    return out.TargetGroups?.[0]?.HealthCheckPath ?? '/';
  }

  async setHealthCheckPath(targetGroupArn: string, healthCheckPath: string): Promise<void> {
    await this.elb.send(
      new ModifyTargetGroupCommand({ TargetGroupArn: targetGroupArn, HealthCheckPath: healthCheckPath }),
    );
  }
}

/** Options of {@link runLiveDrill}; everything after `out` is injectable for tests. */
export interface LiveDrillOptions {
  readonly scenarios: readonly Scenario[];
  readonly yes: boolean;
  readonly out: string;
  readonly config?: string;
  readonly bucket?: string;
  readonly target?: LiveTarget;
  readonly api?: LiveFaultApi;
  readonly ports?: { ecs: Ecs; loadBalancer: LoadBalancer; metricReader: MetricReader; store: ObjectStore };
  /** Asks the operator; resolves to what they typed. @default a readline prompt on a TTY */
  readonly confirm?: (question: string) => Promise<string>;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly nowMs?: () => number;
  /** Seconds between samples. @default 10 */
  readonly sampleS?: number;
  /** Where SIGINT/SIGTERM come from. @default process */
  readonly signals?: EventEmitter;
  readonly write?: (text: string) => void;
}

/** Exit codes of a live drill. */
export const LIVE_EXIT = { ok: 0, error: 1, refused: 2 } as const;

/** The faults a live drill can inject. */
type LiveFault = Extract<Fault, { kind: 'outage' | 'gray' }>;

interface Undo {
  readonly what: string;
  readonly run: () => Promise<void>;
}

/**
 * A drill against a deployed stack. Faults go in through AWS APIs: an `outage` sets the AZ's cell to
 * desired count 0; a `gray` fault points the cell's target group health check at a failing path (its
 * targets turn unhealthy). Every injection is undone: in a finally, and on SIGINT/SIGTERM. Nothing is
 * touched without --yes or the typed confirmation. The stack is observed through the same ports the
 * functions use, and the same reports are written (Bulkhead side only: there is no live baseline).
 */
export async function runLiveDrill(options: LiveDrillOptions): Promise<number> {
  const write = options.write ?? ((t: string) => process.stderr.write(t));
  const target = options.target ?? loadLiveTarget(options.config, options.bucket);
  const { config } = target;
  const cellOf = (az: string) => {
    const cell = config.cells.find((c) => c.az === az);
    if (!cell)
      throw new Error(`AZ ${az} is not a cell of this stack (${config.cells.map((c) => c.az).join(', ')})`);
    return cell;
  };
  for (const s of options.scenarios)
    for (const f of s.faults) {
      if (f.kind !== 'outage' && f.kind !== 'gray') {
        write(
          `bulkhead drill --live: scenario ${s.name}: a ${f.kind} fault cannot be injected live (outage and gray can)\n`,
        );
        return LIVE_EXIT.refused;
      }
      cellOf(f.az);
    }
  const plan = options.scenarios
    .flatMap((s) =>
      s.faults.map(
        (f) =>
          `  ${s.name}: at ${f.at} s, ${f.kind === 'outage' ? `set ${cellOf((f as { az: string }).az).serviceName} desired count to 0` : `point the health check of ${(f as { az: string }).az}'s target group at ${FAILING_HEALTH_PATH}`}${'until' in f && f.until !== undefined ? `, undone at ${f.until} s` : ', undone at the end'}`,
      ),
    )
    .join('\n');
  write(`bulkhead drill --live will change the deployed stack (listener ${config.listenerArn}):\n${plan}\n`);
  if (!options.yes) {
    const ask =
      options.confirm ??
      (process.stdin.isTTY
        ? async (q: string) => {
            const rl = createInterface({ input: process.stdin, output: process.stderr });
            try {
              return await rl.question(q);
            } finally {
              rl.close();
            }
          }
        : undefined);
    if (!ask) {
      write('refused: not a terminal and no --yes; nothing was changed\n');
      return LIVE_EXIT.refused;
    }
    const answer = await ask('Type "inject" to go ahead: ');
    if (answer.trim() !== 'inject') {
      write('not confirmed; nothing was changed\n');
      return LIVE_EXIT.refused;
    }
  }

  const api = options.api ?? new AwsLiveFaultApi();
  const ports = options.ports ?? livePorts(target);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const nowMs = options.nowMs ?? Date.now;
  const sampleS = options.sampleS ?? BUCKET_S;
  const signals = options.signals ?? process;
  const undos: Undo[] = [];
  let undone = false;
  const undoAll = async () => {
    if (undone) return;
    undone = true;
    for (const u of undos.splice(0).reverse()) {
      try {
        await u.run();
        write(`undone: ${u.what}\n`);
      } catch (error) {
        write(`UNDO FAILED, fix by hand: ${u.what}: ${(error as Error).message}\n`);
      }
    }
  };
  let interrupted = false;
  const onSignal = (signal: string) => {
    interrupted = true;
    write(`\n${signal}: undoing every injected fault\n`);
    void undoAll().then(() => {
      if (options.signals === undefined) process.exit(130);
    });
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  signals.on('SIGINT', onInt);
  signals.on('SIGTERM', onTerm);

  const inject = async (f: LiveFault): Promise<Undo> => {
    const cell = cellOf(f.az);
    if (f.kind === 'outage') {
      const original = await api.getDesiredCount(config.clusterName, cell.serviceName);
      const undo = {
        what: `${cell.serviceName} desired count back to ${original}`,
        run: () => api.setDesiredCount(config.clusterName, cell.serviceName, original),
      };
      undos.push(undo);
      await api.setDesiredCount(config.clusterName, cell.serviceName, 0);
      return undo;
    }
    const original = await api.getHealthCheckPath(cell.targetGroupArn);
    const undo = {
      what: `health check path of ${f.az}'s target group back to ${original}`,
      run: () => api.setHealthCheckPath(cell.targetGroupArn, original),
    };
    undos.push(undo);
    await api.setHealthCheckPath(cell.targetGroupArn, FAILING_HEALTH_PATH);
    return undo;
  };

  const runs: { scenario: Scenario; bulkhead: RunResult }[] = [];
  try {
    for (const scenario of options.scenarios) {
      if (interrupted) break;
      const startMs = nowMs();
      const t = () => Math.round((nowMs() - startMs) / 1000);
      const events: TimelineEvent[] = [];
      const timeline: Bucket[] = [];
      const active = new Map<Fault, Undo>();
      const seenAudit = new Set<string>();
      for (let s = 0; s < scenario.durationS && !interrupted; s += sampleS) {
        for (const f of scenario.faults as LiveFault[]) {
          if (f.at <= s && !active.has(f) && !(f.until !== undefined && f.until <= s)) {
            active.set(f, await inject(f));
            events.push({
              t: t(),
              kind: 'fault-start',
              actor: 'scenario',
              az: f.az,
              summary: `${f.kind} ${f.az} (live)`,
            });
          }
          const u = active.get(f);
          if (u && f.until !== undefined && f.until <= s) {
            await u.run();
            undos.splice(undos.indexOf(u), 1);
            active.delete(f);
            events.push({
              t: t(),
              kind: 'fault-end',
              actor: 'scenario',
              az: f.az,
              summary: `${f.kind} ${f.az} undone`,
            });
          }
        }
        timeline.push(await sample(ports, target, s, sampleS, nowMs()));
        await collectAudit(ports.store, seenAudit, startMs, events);
        await sleep(sampleS * 1000);
      }
      for (const [, u] of active) {
        // A signal may have undone it already.
        if (!undos.includes(u)) continue;
        await u.run();
        undos.splice(undos.indexOf(u), 1);
      }
      events.sort((a, b) => a.t - b.t);
      runs.push({
        scenario,
        bulkhead: {
          scenario: scenario.name,
          mode: 'bulkhead',
          seed: 0,
          durationS: scenario.durationS,
          bucketS: sampleS,
          azs: config.cells.map((c) => c.az),
          timeline,
          events,
          figures: computeFigures(timeline, events),
          integration: [
            { function: 'all', status: 'integrated', note: 'the deployed stack’s own functions' },
          ],
          invocations: {},
          actions: [],
          tasksPerAz: 0,
          startTaskDefinition: '',
        },
      });
    }
  } finally {
    await undoAll();
    signals.off('SIGINT', onInt);
    signals.off('SIGTERM', onTerm);
  }
  const report = buildReport(
    0,
    runs.map((r) => ({ ...r, baseline: undefined })),
    'live',
  );
  await mkdir(options.out, { recursive: true });
  const json = path.join(options.out, 'drill-report-live.json');
  await writeFile(json, `${JSON.stringify(report, null, 1)}\n`);
  write(`${renderConsole(report)}\n\nReport: ${json}\n`);
  return interrupted ? LIVE_EXIT.error : LIVE_EXIT.ok;
}

/** One sample of the live stack: weights, healthy targets and tasks per AZ, and the ALB's counts. */
async function sample(
  ports: NonNullable<LiveDrillOptions['ports']>,
  target: LiveTarget,
  t: number,
  sampleS: number,
  nowMs: number,
): Promise<Bucket> {
  const { config } = target;
  const cells = await readCells(ports, config);
  const endMs = Math.floor(nowMs / 60_000) * 60_000;
  const loadBalancer = loadBalancerDimension(config.listenerArn);
  const metrics = await ports.metricReader.getMetricData(
    config.cells.flatMap((c, i) =>
      (['RequestCount', 'HTTPCode_Target_5XX_Count'] as const).map((metricName) => ({
        id: `c${i}_${metricName === 'RequestCount' ? 'req' : 'err'}`,
        namespace: 'AWS/ApplicationELB',
        metricName,
        dimensions: {
          TargetGroup: targetGroupDimension(c.targetGroupArn),
          LoadBalancer: loadBalancer,
        },
        stat: 'Sum' as const,
        periodSeconds: 60,
      })),
    ),
    endMs - 60_000,
    endMs,
  );
  const value = (id: string) => metrics.find((m) => m.id === id)?.points.at(-1)?.value ?? 0;
  const az: Record<string, AzBucket> = {};
  let requests = 0;
  let failed = 0;
  for (const [i, { cell, weightShare, service, targets }] of cells.entries()) {
    // The ALB publishes per minute: scale the last minute's counts to this sample's width.
    const r = Math.round((value(`c${i}_req`) * sampleS) / 60);
    const f = Math.min(r, Math.round((value(`c${i}_err`) * sampleS) / 60));
    requests += r;
    failed += f;
    az[cell.az] = {
      requests: r,
      failed: f,
      weightShare,
      healthy: targets.filter((h) => h.state === 'healthy').length,
      running: service?.runningCount ?? 0,
      wanted: service?.desiredCount ?? 0,
    };
  }
  return { t, requests, failed, az };
}

async function collectAudit(store: ObjectStore, seen: Set<string>, startMs: number, events: TimelineEvent[]) {
  const day = new Date(startMs).toISOString().slice(0, 10);
  for await (const info of store.list(`${AUDIT_PREFIX}${day}/`)) {
    if (seen.has(info.key)) continue;
    seen.add(info.key);
    const obj = await store.get(info.key);
    if (!obj) continue;
    const r = JSON.parse(new TextDecoder().decode(obj.body)) as AuditRecord;
    if (r.decidedAtMs < startMs) continue;
    const t = Math.round((r.decidedAtMs - startMs) / 1000);
    events.push({ t, kind: 'decision', actor: r.function, az: r.az, summary: `${r.decision}: ${r.reason}` });
    if (r.decision !== 'none')
      events.push({ t, kind: 'detected', actor: r.function, az: r.az, summary: r.decision });
    for (const a of r.actions)
      if (a.result === 'ok' && !a.api.startsWith('S3:'))
        events.push({ t, kind: 'action', actor: r.function, az: r.az, summary: `${a.api} ${a.target}` });
  }
}
