import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { EmfMetricSink } from '../../lambdas/adapters/aws/telemetry';
import type { AuditAction } from '../../lambdas/core/audit-record';
import { systemClock } from '../../lambdas/ports/clock';
import { RecordingLog } from '../../lambdas/ports/log';
import { createTaskReplacerHandler } from '../../lambdas/task-replacer/function';
import { createZoneShifterHandler } from '../../lambdas/zone-shifter/function';
import { LiveTargetError, livePorts, loadLiveTarget } from '../drill/live-ports';
import { simulate } from '../drill/runner';
import { loadScenario, parseScenario, type Scenario, ScenarioError } from '../drill/scenario';

/** Exit codes of `bulkhead invoke`. */
export const INVOKE_EXIT = { ok: 0, error: 1, usage: 2, handlerFailed: 3 } as const;

/** Functions `bulkhead invoke` can run. */
export const INVOKABLE = ['zone-shifter', 'task-replacer', 'zonal-prober', 'availability'] as const;

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

class UsageError extends Error {}

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
  const scenario: Scenario = opts.scenario
    ? loadScenario(opts.scenario)
    : parseScenario({ name: 'steady', description: 'no fault: the region in steady state', durationS: 3600 });
  const firstFault = scenario.faults.length > 0 ? Math.min(...scenario.faults.map((f) => f.at)) : undefined;
  const untilS = opts.at ?? (firstFault !== undefined ? firstFault + 300 : 600);
  const workDir = await mkdtemp(path.join(tmpdir(), 'bulkhead-invoke-'));
  // The invoked function sits out the replay, so the event meets the state it would have met.
  const world = await simulate({
    scenario,
    mode: 'bulkhead',
    seed: opts.seed,
    workDir,
    untilS,
    withhold: [opts.fn],
  });
  const binding = world.bindings.find((b) => b.name === opts.fn);
  if (!binding)
    throw new UsageError(
      `${opts.fn} does not run in scenario ${scenario.name} (signals: ${scenario.signals.join(', ')})`,
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
    function: opts.fn,
    world: `simulated region, scenario ${scenario.name} at ${untilS} s (seed ${opts.seed}; ${opts.fn} sat out the replay)`,
    event: summarizeEvent(event),
    decision: decisionOf(result),
    actions:
      own ??
      calls.map((c) => ({ api: c.api, target: c.target, params: c.params, result: c.ok ? 'ok' : 'failed' })),
    result,
  };
}

function render(out: InvokeOutput): string {
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

function parseNonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`must be a whole number ≥ 0, got ${value}`);
  return n;
}

/** `bulkhead invoke <function> --event <file.json>`: replay one raw event through a function's real handler. */
export function registerInvoke(program: Command): void {
  program
    .command('invoke')
    .description(
      "Run one Bulkhead function's real handler on one raw EventBridge or schedule event (exactly as AWS delivers it), against the simulated region or, with --live --dry-run, against a deployed stack. Prints the parsed event, the decision with its reason, and the actions.",
    )
    .argument('<function>', INVOKABLE.join(' | '))
    .requiredOption('-e, --event <file.json>', 'the raw event (examples: cli/drill/events/*.json)')
    .option('-s, --scenario <name|file>', 'play this drill scenario first, so the region is in its state')
    .option(
      '--at <seconds>',
      'simulated seconds to play before the event (default: first fault + 300 s, or 600)',
      parseNonNegative,
    )
    .option('--seed <n>', 'seed of the simulated region', parseNonNegative, 1)
    .option('--json', 'print one JSON object')
    .option('--live', 'use the deployed stack (needs --dry-run, --config, --bucket)')
    .option('--dry-run', 'with --live: decide and record, change nothing')
    .option('--config <file>', 'with --live: the BULKHEAD_FAILOVER_CONFIG JSON of the deployed functions')
    .option('--bucket <name>', 'with --live: the state bucket (stack output StateBucketName)')
    .addHelpText(
      'after',
      `\nExamples:\n  bulkhead invoke zone-shifter --event cli/drill/events/alarm-us-east-1b-alb.json --scenario az-gray-failure\n  bulkhead invoke task-replacer --event cli/drill/events/schedule.json --scenario capacity-loss --at 900\n\nExit codes: ${INVOKE_EXIT.ok} done; ${INVOKE_EXIT.error} error; ${INVOKE_EXIT.usage} bad arguments, event or scenario; ${INVOKE_EXIT.handlerFailed} the handler threw.`,
    )
    .action(async (fn: string, o: Record<string, unknown>) => {
      let out: InvokeOutput;
      try {
        out = await invokeFunction({
          fn,
          eventFile: o.event as string,
          scenario: o.scenario as string | undefined,
          at: o.at as number | undefined,
          seed: o.seed as number,
          live: o.live as boolean | undefined,
          dryRun: o.dryRun as boolean | undefined,
          config: o.config as string | undefined,
          bucket: o.bucket as string | undefined,
        });
      } catch (error) {
        const usage =
          error instanceof UsageError || error instanceof ScenarioError || error instanceof LiveTargetError;
        process.stderr.write(`bulkhead invoke: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = usage ? INVOKE_EXIT.usage : INVOKE_EXIT.handlerFailed;
        return;
      }
      process.stdout.write(`${o.json ? JSON.stringify(out, null, 1) : render(out)}\n`);
    });
}
