import type { Command } from 'commander';
import { INVOKABLE, INVOKE_EXIT, USAGE_ERRORS } from '../drill/constants';
import type { InvokeOutput } from '../drill/invoke';
import { parseNonNegative } from '../drill/options';

export { INVOKE_EXIT } from '../drill/constants';

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
    .option(
      '--repo <dir|s3://bucket/prefix>',
      'volume-backup: the backup repository, kept afterwards (default: a temporary local one, removed afterwards)',
    )
    .option(
      '--endpoint <url>',
      'volume-backup: S3-compatible endpoint of an s3:// --repo, e.g. http://127.0.0.1:4568',
    )
    .addHelpText(
      'after',
      `\nExamples:\n  bulkhead invoke zone-shifter --event cli/drill/events/alarm-us-east-1b-alb.json --scenario az-gray-failure\n  bulkhead invoke task-replacer --event cli/drill/events/schedule.json --scenario capacity-loss --at 900\n  bulkhead invoke volume-backup --event cli/drill/events/schedule.json --scenario data-loss --repo ./drill-repo\n\nvolume-backup backs up the scenario's data volume (generated files in a temporary directory; a scenario without a volume gets the default one, 50 files) with the real backup handler and its restore drill, and prints the snapshot and the objects it wrote. It cannot run with --live (the EFS volume is mounted only inside the VPC): invoke the deployed function with aws lambda invoke.\n\nExit codes: ${INVOKE_EXIT.ok} done; ${INVOKE_EXIT.error} error; ${INVOKE_EXIT.usage} bad arguments, event or scenario; ${INVOKE_EXIT.handlerFailed} the handler threw.`,
    )
    .action(async (fn: string, o: Record<string, unknown>) => {
      let out: InvokeOutput;
      try {
        const { invokeFunction } = require('../drill/invoke') as typeof import('../drill/invoke');
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
          repo: o.repo as string | undefined,
          endpoint: o.endpoint as string | undefined,
        });
      } catch (error) {
        const usage = error instanceof Error && USAGE_ERRORS.has(error.name);
        process.stderr.write(`bulkhead invoke: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = usage ? INVOKE_EXIT.usage : INVOKE_EXIT.handlerFailed;
        return;
      }
      const { renderInvoke } = require('../drill/invoke') as typeof import('../drill/invoke');
      process.stdout.write(`${o.json ? JSON.stringify(out, null, 1) : renderInvoke(out)}\n`);
    });
}
