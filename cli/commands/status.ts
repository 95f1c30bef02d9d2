import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { STATUS_EXIT, USAGE_ERRORS } from '../drill/constants';
import { parseNonNegative } from '../drill/options';
import type { StatusReport } from '../drill/status';

export { STATUS_EXIT } from '../drill/constants';

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
        // Loaded here, not at the top: the sim and the AWS clients cost every other command startup time.
        const { livePorts, loadLiveTarget } =
          require('../drill/live-ports') as typeof import('../drill/live-ports');
        const { simulate } = require('../drill/runner') as typeof import('../drill/runner');
        const { loadScenario, parseScenario } =
          require('../drill/scenario') as typeof import('../drill/scenario');
        const { readStatus, renderStatus } = require('../drill/status') as typeof import('../drill/status');
        const { failoverRuntimeConfig } = require('../drill/wiring') as typeof import('../drill/wiring');
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
          try {
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
          } finally {
            // The simulated world's scratch (its volume and repository); nothing in it is the user's.
            await rm(workDir, { recursive: true, force: true });
          }
        }
        process.stdout.write(`${o.json ? JSON.stringify(report, null, 1) : renderStatus(report)}\n`);
      } catch (error) {
        const usage = error instanceof Error && USAGE_ERRORS.has(error.name);
        process.stderr.write(`bulkhead status: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = usage ? STATUS_EXIT.usage : STATUS_EXIT.error;
      }
    });
}
