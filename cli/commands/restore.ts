import { promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { NodeRestoreTarget } from '../../lambdas/adapters/local/node-file-tree';
import { WorkerRestoreTarget } from '../../lambdas/adapters/local/worker-restore-target';
import { runRestore, selectedBy } from '../../lambdas/core/snapshot/restore';
import { CliError, EXIT, EXIT_HELP } from '../backup/exit-codes';
import { progressBar } from '../backup/progress';
import {
  formatBytes,
  numberOption,
  openRepo,
  type RepoOptions,
  runCommand,
  withRepoOptions,
} from '../backup/repo-options';

interface RestoreCliOptions extends RepoOptions {
  readonly target: string;
  readonly include?: string[];
  readonly writeThreads?: string;
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
    .option(
      '--write-threads <n>',
      'worker threads that create and write files beside the main thread (0: write in the main thread)',
      String(Math.min(2, availableParallelism())),
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
        const writeThreads =
          numberOption('--write-threads', opts.writeThreads, { max: 64, integer: true }) ?? 0;
        // Synchronous calls either way: the target is a directory on this machine. Worker threads
        // spread the kernel's share (creating inodes, copying data) over the cores, one message per
        // file; the main thread reads packs and checks blobs. See the README's Performance notes.
        const dest =
          writeThreads > 0
            ? new WorkerRestoreTarget(target, { workers: writeThreads })
            : new NodeRestoreTarget(target, { syncWrites: true });
        const r = await runRestore(repo, tree, dest, {
          include: opts.include,
          // A write waits a message round trip to a worker: keep enough in flight to cover it.
          writeConcurrency: writeThreads > 0 ? 64 : undefined,
          onProgress: (p) => bar.update(p.bytesWritten, p.bytesTotal),
        }).finally(() => (dest instanceof WorkerRestoreTarget ? dest.close() : undefined));
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
