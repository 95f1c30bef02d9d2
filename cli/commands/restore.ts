import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { NodeRestoreTarget } from '../../lambdas/adapters/local/node-file-tree';
import { runRestore, selectedBy } from '../../lambdas/core/snapshot/restore';
import { CliError, EXIT, EXIT_HELP } from '../backup/exit-codes';
import { progressBar } from '../backup/progress';
import { formatBytes, openRepo, type RepoOptions, runCommand, withRepoOptions } from '../backup/repo-options';

interface RestoreCliOptions extends RepoOptions {
  readonly target: string;
  readonly include?: string[];
}

/** `bulkhead restore <id|latest> --target <dir>`: a byte-identical restore, whole or in part. */
export function registerRestore(program: Command): void {
  withRepoOptions(
    program
      .command('restore')
      .description(
        'Restore a snapshot into a directory: contents, modes, mtimes (to 1 µs), symlinks, empty files and directories. Every blob is checked against its SHA-256.',
      )
      .argument('<snapshot>', 'snapshot ID (or unique prefix), or "latest"'),
  )
    .requiredOption('-t, --target <dir>', 'directory to restore into (created if missing)')
    .option(
      '-i, --include <path...>',
      'restore only these paths (relative to the backup root), e.g. a single file',
    )
    .addHelpText(
      'after',
      `\nExample:\n  bulkhead restore latest --target /tmp/r --include app/config.json\n${EXIT_HELP}`,
    )
    .action(async (ref: string, opts: RestoreCliOptions) =>
      runCommand(opts.json, async () => {
        const repo = await openRepo(opts);
        const snap = await repo.findSnapshot(ref).catch((error: Error) => {
          throw new CliError(error.message, EXIT.usage);
        });
        const tree = await repo.readTree(snap.manifest.tree);
        if (
          opts.include &&
          !tree.some(
            (n) =>
              n.path !== '' &&
              selectedBy(opts.include, n) &&
              opts.include?.some((i) => n.path === i.replace(/^\/+|\/+$/g, '')),
          )
        ) {
          throw new CliError(
            `--include ${JSON.stringify(opts.include)} matches nothing in snapshot ${snap.id.slice(0, 12)}`,
            EXIT.usage,
          );
        }
        const target = path.resolve(opts.target);
        await fs.mkdir(target, { recursive: true });
        const started = Date.now();
        const bar = progressBar(opts.json, 'restore |{bar}| {percentage}% {value}/{total} bytes');
        // Synchronous writes: the target is a directory on this machine (see NodeRestoreTargetOptions).
        const r = await runRestore(repo, tree, new NodeRestoreTarget(target, { syncWrites: true }), {
          include: opts.include,
          onProgress: (p) => bar.update(p.bytesWritten, p.bytesTotal),
        });
        bar.stop();
        const seconds = (Date.now() - started) / 1000;
        if (opts.json)
          process.stdout.write(`${JSON.stringify({ ok: true, snapshot: snap.id, target, ...r, seconds })}\n`);
        else
          process.stdout.write(
            `restored snapshot ${snap.id.slice(0, 12)} to ${target}: ${r.files} files, ${r.dirs} dirs, ${r.symlinks} symlinks, ${formatBytes(r.bytes)} in ${seconds.toFixed(2)} s\n`,
          );
        return EXIT.ok;
      }),
    );
}
