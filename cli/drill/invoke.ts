import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { EmfMetricSink } from '../../lambdas/adapters/aws/telemetry';
import type { AuditAction } from '../../lambdas/core/audit-record';
import { systemClock } from '../../lambdas/ports/clock';
import { RecordingLog } from '../../lambdas/ports/log';
import { createTaskReplacerHandler } from '../../lambdas/task-replacer/function';
import { VOLUME_BACKUP } from '../../lambdas/volume-backup/function';
import { createZoneShifterHandler } from '../../lambdas/zone-shifter/function';
import { CliError, EXIT } from '../backup/exit-codes';
import { INVOKABLE } from './constants';
import { backupEventProblems, invokeVolumeBackup, withVolume } from './invoke-volume-backup';
import { livePorts, loadLiveTarget } from './live-ports';
import { type SimWorld, simulate } from './runner';
import { loadScenario, parseScenario, type Scenario } from './scenario';

const envelopeSchema = z.object({
  id: z.string(),
  'detail-type': z.string(),
  source: z.string(),
  time: z.string(),
  account: z.string().optional(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});

/** Bad arguments, event file or function name. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** What `invoke` prints (and emits with --json). */
export interface InvokeOutput {
  readonly function: string;
  readonly world: string;
  readonly event: Record<string, unknown>;
  readonly decision?: { kind: string; reason: string; az?: string };
  readonly actions: readonly (
    | AuditAction
    | { api: string; target: string; params: unknown; result: string }
  )[];
  readonly result: unknown;
}

function summarizeEvent(raw: unknown): Record<string, unknown> {
  const env = envelopeSchema.safeParse(raw);
  const own = (raw as { bulkhead?: unknown } | null)?.bulkhead;
  // Bulkhead's own requests to the backup function (`{ "bulkhead": "backup-now" }`) are no EventBridge envelope.
  if (!env.success && typeof own === 'string') return { bulkhead: own };
  if (!env.success)
    return {
      valid: false,
      problems: env.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    };
  const e = env.data;
  const d = (e.detail ?? {}) as Record<string, unknown>;
  const state = d.state as { value?: string } | undefined;
  return {
    'detail-type': e['detail-type'],
    source: e.source,
    id: e.id,
    time: e.time,
    ...(d.alarmName ? { alarm: d.alarmName, state: state?.value } : {}),
    ...(d.taskArn
      ? { task: d.taskArn, lastStatus: d.lastStatus, group: d.group, stoppedReason: d.stoppedReason }
      : {}),
  };
}

function decisionOf(result: unknown): InvokeOutput['decision'] {
  const r = result as { decision?: string; reason?: string; az?: string; kind?: string } | undefined;
  if (r?.decision) return { kind: r.decision, reason: r.reason ?? '', ...(r.az ? { az: r.az } : {}) };
  if (r?.kind) return { kind: r.kind, reason: (r as { reason?: string }).reason ?? '' };
  return undefined;
}

/** Runs one function's real handler on one event, in the simulated region or (dry-run) against AWS. */
export async function invokeFunction(opts: {
  fn: string;
  eventFile: string;
  scenario?: string;
  at?: number;
  seed: number;
  live?: boolean;
  dryRun?: boolean;
  config?: string;
  bucket?: string;
  /** volume-backup: the repository (a directory or `s3://bucket/prefix`). @default a temporary one */
  repo?: string;
  /** volume-backup: the S3-compatible endpoint of an `s3://` repo. @default AWS S3 */
  endpoint?: string;
}): Promise<InvokeOutput> {
  if (!(INVOKABLE as readonly string[]).includes(opts.fn))
    throw new UsageError(`unknown function ${JSON.stringify(opts.fn)}: one of ${INVOKABLE.join(', ')}`);
  let event: unknown;
  try {
    event = JSON.parse(readFileSync(opts.eventFile, 'utf8'));
  } catch (error) {
    throw new UsageError(`--event ${opts.eventFile}: ${(error as Error).message}`);
  }
  if (opts.live) {
    if (opts.fn === VOLUME_BACKUP)
      throw new UsageError(
        "volume-backup cannot run with --live: it reads the EFS volume, which is mounted only inside the VPC, in the deployed function. Invoke the deployed function instead (aws lambda invoke --function-name <the stack's volume-backup function> --payload fileb://event.json out.json)",
      );
    if (!opts.dryRun)
      throw new UsageError('--live runs only with --dry-run: it decides and records, and changes nothing');
    if (opts.fn !== 'zone-shifter' && opts.fn !== 'task-replacer')
      throw new UsageError(
        `--live supports zone-shifter and task-replacer (${opts.fn} needs to run inside the VPC or with its own config)`,
      );
    const target = loadLiveTarget(opts.config, opts.bucket);
    const ports = livePorts(target);
    const config = { ...target.config, policy: { ...target.config.policy, dryRun: true } };
    const log = new RecordingLog();
    const common = { ...ports, metrics: new EmfMetricSink(), clock: systemClock, log, config };
    const result =
      opts.fn === 'zone-shifter'
        ? await createZoneShifterHandler(common)(event)
        : await createTaskReplacerHandler(common)(event);
    return {
      function: opts.fn,
      world: `live stack (listener ${target.config.listenerArn}), dry-run`,
      event: summarizeEvent(event),
      decision: decisionOf(result),
      actions: (result as { actions: readonly AuditAction[] }).actions,
      result,
    };
  }
  const played: Scenario = opts.scenario
    ? loadScenario(opts.scenario)
    : parseScenario({ name: 'steady', description: 'no fault: the region in steady state', durationS: 3600 });
  const scenario = opts.fn === VOLUME_BACKUP ? withVolume(played) : played;
  const firstFault = scenario.faults.length > 0 ? Math.min(...scenario.faults.map((f) => f.at)) : undefined;
  const untilS = opts.at ?? (firstFault !== undefined ? firstFault + 300 : 600);
  const workDir = await mkdtemp(path.join(tmpdir(), 'bulkhead-invoke-'));
  try {
    // The invoked function sits out the replay, so the event meets the state it would have met.
    const world = await simulate({
      scenario,
      mode: 'bulkhead',
      seed: opts.seed,
      workDir,
      untilS,
      withhold: [opts.fn],
    });
    const replay = `simulated region, scenario ${scenario.name} at ${untilS} s (seed ${opts.seed}; ${opts.fn} sat out the replay)`;
    if (opts.fn === VOLUME_BACKUP) return await replayBackup(world, event, workDir, replay, opts);
    return await replayOnBinding(world, event, replay, opts.fn);
  } finally {
    // The volume, the restore drill's scratch and the temporary repository; a --repo is the user's and stays.
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Hands the event to the function's binding in the played world, keeping the world moving meanwhile. */
async function replayOnBinding(
  world: SimWorld,
  event: unknown,
  replay: string,
  fn: string,
): Promise<InvokeOutput> {
  const binding = world.bindings.find((b) => b.name === fn);
  if (!binding)
    throw new UsageError(
      `${fn} does not run in scenario ${world.ctx.scenario.name} (signals: ${world.ctx.scenario.signals.join(', ')})`,
    );
  const { region } = world.topology;
  const before = region.apiCalls.length;
  // A function that paces itself (the prober) sleeps in simulated time: keep the world moving.
  let done = false;
  const running = binding.invoke(event).finally(() => {
    done = true;
  });
  for (let i = 0; i < 600 && !done; i++) {
    await new Promise((r) => setImmediate(r));
    if (!done) await world.runFor(1);
  }
  const result = await running;
  const calls = region.apiCalls.slice(before);
  const own = (result as { actions?: readonly AuditAction[] }).actions;
  return {
    function: fn,
    world: replay,
    event: summarizeEvent(event),
    decision: decisionOf(result),
    actions:
      own ??
      calls.map((c) => ({ api: c.api, target: c.target, params: c.params, result: c.ok ? 'ok' : 'failed' })),
    result,
  };
}

/**
 * The backup function on the world's data volume (the scenario's, seeded as the drill seeds it),
 * into `--repo` or a temporary repository; a refused event is a usage error naming the fields.
 */
async function replayBackup(
  world: SimWorld,
  event: unknown,
  workDir: string,
  replay: string,
  opts: { eventFile: string; repo?: string; endpoint?: string },
): Promise<InvokeOutput> {
  let out: Awaited<ReturnType<typeof invokeVolumeBackup>>;
  try {
    out = await invokeVolumeBackup({ world, event, workDir, repo: opts.repo, endpoint: opts.endpoint });
  } catch (error) {
    if (error instanceof CliError && error.exitCode === EXIT.usage) throw new UsageError(error.message);
    throw error;
  }
  if (out.result.status === 'invalid-event')
    throw new UsageError(
      `--event ${opts.eventFile}: the volume-backup handler refused it (invalid-event): ${backupEventProblems(event)}`,
    );
  return {
    function: VOLUME_BACKUP,
    world: `${replay}; volume: ${out.volume}; repository: ${out.repository}`,
    event: summarizeEvent(event),
    decision: out.decision,
    actions: out.actions,
    result: out.result,
  };
}

/** The text `bulkhead invoke` prints. */
export function renderInvoke(out: InvokeOutput): string {
  const lines = [
    `function  ${out.function}`,
    `world     ${out.world}`,
    `event     ${JSON.stringify(out.event)}`,
  ];
  lines.push(
    out.decision
      ? `decision  ${out.decision.kind}${out.decision.az ? ` ${out.decision.az}` : ''}: ${out.decision.reason}`
      : `result    ${JSON.stringify(out.result).slice(0, 2000)}`,
  );
  if (out.actions.length === 0) lines.push('actions   none');
  else
    for (const [i, a] of out.actions.entries())
      lines.push(
        `${i === 0 ? 'actions   ' : '          '}${a.api} ${a.target} ${JSON.stringify(a.params)} → ${a.result}`,
      );
  return lines.join('\n');
}
