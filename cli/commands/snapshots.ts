import type { Command } from 'commander';
import { EXIT, EXIT_HELP } from '../backup/exit-codes';
import { formatBytes, openRepo, type RepoOptions, runCommand, withRepoOptions } from '../backup/repo-options';

/** `bulkhead snapshots`: lists the repository's snapshots, oldest first. */
export function registerSnapshots(program: Command): void {
  withRepoOptions(
    program.command('snapshots').description('List the snapshots in the repository, oldest first.'),
  )
    .addHelpText('after', EXIT_HELP)
    .action(async (opts: RepoOptions) =>
      runCommand(opts.json, async () => {
        const repo = await openRepo(opts);
        const snaps = await repo.listSnapshots();
        if (opts.json) {
          const out = snaps.map((s) => ({ id: s.id, ...s.manifest }));
          process.stdout.write(`${JSON.stringify(out)}\n`);
          return EXIT.ok;
        }
        const rows = snaps.map((s) => [
          s.id.slice(0, 12),
          new Date(s.manifest.timeMs).toISOString().replace('T', ' ').slice(0, 19),
          s.manifest.hostname,
          s.manifest.path,
          String(s.manifest.stats.files),
          formatBytes(s.manifest.stats.bytesTotal),
          formatBytes(s.manifest.stats.bytesAdded),
          String(s.manifest.skipped.length),
        ]);
        const head = ['ID', 'Time (UTC)', 'Host', 'Path', 'Files', 'Size', 'Added', 'Skipped'];
        const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
        const line = (r: string[]) =>
          r
            .map((c, i) => c.padEnd(widths[i]))
            .join('  ')
            .trimEnd();
        process.stdout.write(`${[line(head), ...rows.map(line)].join('\n')}\n${snaps.length} snapshot(s)\n`);
        return EXIT.ok;
      }),
    );
}
