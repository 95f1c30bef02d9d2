import type { Command } from 'commander';
import { runVerify } from '../../lambdas/core/snapshot/verify';
import { EXIT, EXIT_HELP } from '../backup/exit-codes';
import { progressBar } from '../backup/progress';
import {
  numberOption,
  openRepo,
  type RepoOptions,
  runCommand,
  withRepoOptions,
} from '../backup/repo-options';

interface VerifyCliOptions extends RepoOptions {
  readonly readData?: string;
}

/** `bulkhead verify [--read-data <pct>]`: checks the repository's structure and, optionally, its data. */
export function registerVerify(program: Command): void {
  withRepoOptions(
    program
      .command('verify')
      .description(
        'Check the repository: index, packs present with the right size, every snapshot tree readable and every blob it needs indexed. --read-data also re-hashes that share of the packs. Problems name the snapshots and files affected.',
      ),
  )
    .option('--read-data <pct>', 'read back and re-hash this percentage of packs (0-100)', '0')
    .addHelpText('after', EXIT_HELP)
    .action(async (opts: VerifyCliOptions) =>
      runCommand(opts.json, async () => {
        const pct = numberOption('--read-data', opts.readData, { max: 100 }) ?? 0;
        const repo = await openRepo(opts);
        const bar = progressBar(opts.json, 'verify |{bar}| {value}/{total} packs');
        const report = await runVerify(repo, {
          readDataPercent: pct,
          onProgress: (p) => bar.update(p.packsRead, p.packsToRead),
        });
        bar.stop();
        if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
        else {
          for (const p of report.problems) process.stdout.write(`${p.severity}: ${p.message}\n`);
          process.stdout.write(
            `${report.ok ? 'no errors' : `${report.problems.filter((p) => p.severity === 'error').length} error(s)`}: ${report.snapshots} snapshots, ${report.packs} packs, ${report.blobs} blobs, ${report.packsRead} packs read back\n`,
          );
        }
        return report.ok ? EXIT.ok : EXIT.failed;
      }),
    );
}
