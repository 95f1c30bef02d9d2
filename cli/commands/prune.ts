import type { Command } from 'commander';
import { type PruneResult, runPrune } from '../../lambdas/core/snapshot/prune';
import { withRepositoryLease } from '../../lambdas/core/snapshot/repo-lease';
import type { Repository } from '../../lambdas/core/snapshot/repository';
import { EXIT_HELP } from '../backup/exit-codes';
import {
  cliLease,
  formatBytes,
  numberOption,
  openRepo,
  type RepoOptions,
  runCommand,
  withRepoOptions,
} from '../backup/repo-options';

/** Options shared by prune and forget --prune. */
export interface PruneCliOptions extends RepoOptions {
  readonly maxUnused?: string;
  readonly objectLockDays?: string;
  readonly dryRun?: boolean;
  readonly wait?: string;
}

/** Adds prune's options. */
export function withPruneOptions(cmd: Command): Command {
  return cmd
    .option(
      '--max-unused <pct>',
      'repack partly used packs only when their unused data exceeds this share of the repository',
      '5',
    )
    .option(
      '--object-lock-days <days>',
      "the bucket's Object Lock retention: packs younger than this are left alone",
      '0',
    )
    .option('--wait <seconds>', 'wait this long for a repository held by another run', '0');
}

/** Runs prune under the lease (used by prune and forget --prune). */
export async function pruneWithLease(repo: Repository, opts: PruneCliOptions): Promise<PruneResult> {
  const maxUnusedPercent = numberOption('--max-unused', opts.maxUnused, { max: 100 }) ?? 5;
  const days = numberOption('--object-lock-days', opts.objectLockDays, { max: 36_500 }) ?? 0;
  return withRepositoryLease(repo.store, cliLease(opts.wait), () =>
    runPrune(repo, {
      nowMs: Date.now(),
      maxUnusedPercent,
      objectLockMs: days * 86_400_000,
      dryRun: opts.dryRun,
    }),
  );
}

/** One line about a prune. */
export function describePrune(r: PruneResult): string {
  return (
    `${r.dryRun ? 'would delete' : 'deleted'} ${r.deletePacks.length} unused packs, ${r.dryRun ? 'would repack' : 'repacked'} ${r.repackPacks.length} ` +
    `(${r.packsWritten} written), kept ${r.keepPacks.length}, ${r.lockedPacks.length} held by Object Lock; ` +
    `unused ${formatBytes(r.unusedBytes)} of ${formatBytes(r.totalBytes)}, freed ${formatBytes(r.bytesFreed)}\n`
  );
}

/** `bulkhead prune`: removes data no snapshot uses. */
export function registerPrune(program: Command): void {
  withPruneOptions(
    withRepoOptions(
      program
        .command('prune')
        .description(
          'Delete packs no snapshot uses, and repack partly used ones when worthwhile. Writes the new index before deleting anything.',
        ),
    ),
  )
    .option('--dry-run', 'show what would be removed')
    .addHelpText('after', EXIT_HELP)
    .action(async (opts: PruneCliOptions) =>
      runCommand(opts.json, async () => {
        const repo = await openRepo(opts);
        const r = await pruneWithLease(repo, opts);
        process.stdout.write(opts.json ? `${JSON.stringify(r)}\n` : describePrune(r));
        return 0;
      }),
    );
}
