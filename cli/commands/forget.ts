import type { Command } from 'commander';
import { runForget } from '../../lambdas/core/snapshot/forget';
import { withRepositoryLease } from '../../lambdas/core/snapshot/repo-lease';
import type { RetentionPolicy } from '../../lambdas/core/snapshot/retention';
import { CliError, EXIT, EXIT_HELP } from '../backup/exit-codes';
import { cliLease, numberOption, openRepo, runCommand, withRepoOptions } from '../backup/repo-options';
import { describePrune, type PruneCliOptions, pruneWithLease, withPruneOptions } from './prune';

interface ForgetCliOptions extends PruneCliOptions {
  readonly keepLast?: string;
  readonly keepHourly?: string;
  readonly keepDaily?: string;
  readonly keepWeekly?: string;
  readonly keepMonthly?: string;
  readonly keepYearly?: string;
  readonly prune?: boolean;
}

/** `bulkhead forget --keep-…`: applies a retention policy to snapshots. */
export function registerForget(program: Command): void {
  withPruneOptions(
    withRepoOptions(
      program
        .command('forget')
        .description(
          'Delete snapshots a retention policy does not keep, per host and path. Each --keep-X N keeps the newest snapshot of each of the last N periods (UTC). Data is removed by prune (or --prune).',
        ),
    ),
  )
    .option('--keep-last <n>', 'keep the n newest snapshots')
    .option('--keep-hourly <n>', 'keep the newest snapshot of each of the last n hours')
    .option('--keep-daily <n>', 'keep the newest snapshot of each of the last n days')
    .option('--keep-weekly <n>', 'keep the newest snapshot of each of the last n ISO weeks')
    .option('--keep-monthly <n>', 'keep the newest snapshot of each of the last n months')
    .option('--keep-yearly <n>', 'keep the newest snapshot of each of the last n years')
    .option('--prune', 'run prune afterwards')
    .option('--dry-run', 'show what would be forgotten')
    .addHelpText(
      'after',
      `\nExample:\n  bulkhead forget --keep-hourly 24 --keep-daily 7 --keep-weekly 4 --prune\n${EXIT_HELP}`,
    )
    .action(async (opts: ForgetCliOptions) =>
      runCommand(opts.json, async () => {
        const n = (name: string, v?: string) => numberOption(name, v, { integer: true, max: 1_000_000 });
        const policy: RetentionPolicy = {
          last: n('--keep-last', opts.keepLast),
          hourly: n('--keep-hourly', opts.keepHourly),
          daily: n('--keep-daily', opts.keepDaily),
          weekly: n('--keep-weekly', opts.keepWeekly),
          monthly: n('--keep-monthly', opts.keepMonthly),
          yearly: n('--keep-yearly', opts.keepYearly),
        };
        if (!Object.values(policy).some((v) => (v ?? 0) > 0)) {
          throw new CliError('forget needs at least one --keep-… option with a value above 0', EXIT.usage);
        }
        const repo = await openRepo(opts);
        const result = await withRepositoryLease(repo.store, cliLease(opts.wait), () =>
          runForget(repo, policy, { dryRun: opts.dryRun }),
        );
        const pruned = opts.prune && !opts.dryRun ? await pruneWithLease(repo, opts) : undefined;
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ ok: true, ...result, prune: pruned })}\n`);
        } else {
          for (const g of result.groups) {
            process.stdout.write(
              `${g.path}: keep ${g.decision.keep.length}, forget ${g.decision.forget.length}\n`,
            );
            for (const k of g.decision.keep)
              process.stdout.write(`  keep   ${k.id.slice(0, 12)} (${k.reasons.join(', ')})\n`);
            for (const f of g.decision.forget)
              process.stdout.write(`  ${result.dryRun ? 'would forget' : 'forget'} ${f.slice(0, 12)}\n`);
          }
          if (pruned) process.stdout.write(describePrune(pruned));
        }
        return EXIT.ok;
      }),
    );
}
