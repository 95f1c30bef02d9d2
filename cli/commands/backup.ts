import { availableParallelism, hostname } from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { NodeSourceTree } from '../../lambdas/adapters/local/node-file-tree';
import { WorkerChunkReader } from '../../lambdas/adapters/local/worker-chunk-reader';
import { runBackup } from '../../lambdas/core/snapshot/backup';
import { sourceChunkReader } from '../../lambdas/core/snapshot/file-chunks';
import { withRepositoryLease } from '../../lambdas/core/snapshot/repo-lease';
import { CliError, EXIT, EXIT_HELP } from '../backup/exit-codes';
import { progressBar } from '../backup/progress';
import {
  type CreateOptions,
  cliCodecs,
  cliLease,
  createRepo,
  formatBytes,
  numberOption,
  type RepoOptions,
  repoUrl,
  runCommand,
  storeFor,
  withCreateOptions,
  withRepoOptions,
} from '../backup/repo-options';

interface BackupCliOptions extends RepoOptions, CreateOptions {
  readonly tag?: string[];
  readonly parent?: string;
  readonly host?: string;
  readonly wait?: string;
  readonly readThreads?: string;
}

/** `bulkhead backup <path>`: an incremental, deduplicated snapshot of a directory. */
export function registerBackup(program: Command): void {
  withCreateOptions(
    withRepoOptions(
      program
        .command('backup')
        .description(
          'Back up a directory into the repository (created on first use): only new data is stored, files whose size, mtime and inode match the last snapshot are not read again.',
        )
        .argument('<path>', 'directory to back up'),
    ),
    'this run creates',
  )
    .option('--tag <tag...>', 'tags recorded in the snapshot')
    .option(
      '--parent <id>',
      'snapshot to compare with, or "none" to read every file (default: latest of this host and path)',
    )
    .option('--host <name>', 'hostname recorded in the snapshot', hostname())
    .option('--wait <seconds>', 'wait this long for a repository held by another run, then fail', '0')
    .option(
      '--codec <name>',
      'compression for new blobs: zstd, brotli, deflate or none (default: zstd, or brotli without zstd)',
    )
    .option(
      '--read-threads <n>',
      'worker threads that read, chunk and hash files beside the main thread (0: read in the main thread)',
      String(Math.min(2, availableParallelism())),
    )
    .addHelpText(
      'after',
      `\nExamples:\n  bulkhead backup /srv/data --repo /backups/repo\n  bulkhead backup /srv/data --repo s3://my-bucket/volume --kms-key alias/bulkhead-backup\n  BULKHEAD_REPO=s3://my-bucket/volume bulkhead backup /mnt/efs --json\n${EXIT_HELP}`,
    )
    .action(async (dir: string, opts: BackupCliOptions) =>
      runCommand(opts.json, async () => {
        const lease = cliLease(opts.wait);
        const readThreads = numberOption('--read-threads', opts.readThreads, { max: 64, integer: true }) ?? 0;
        const root = path.resolve(dir);
        const store = await storeFor(repoUrl(opts), opts.endpoint);
        const repo = await createRepo(opts, store, cliCodecs(opts.codec));
        const bar = progressBar(
          opts.json,
          'backup |{bar}| {percentage}% read {read} added {added} | {files} files',
        );
        const source = new NodeSourceTree(root, { syncMetadata: true });
        const reader =
          readThreads > 0
            ? new WorkerChunkReader(root, {
                workers: readThreads,
                codec: repo.codecs.write.name,
                fallback: sourceChunkReader(source),
              })
            : undefined;
        const result = await withRepositoryLease(store, lease, (heartbeat) =>
          runBackup(repo, source, {
            reader,
            hostname: opts.host ?? hostname(),
            path: root,
            nowMs: Date.now,
            parent: opts.parent,
            tags: opts.tag,
            heartbeat,
            onProgress: (p) =>
              bar.update(p.bytesRead, Math.max(p.bytesRead, p.bytesSeen), {
                read: formatBytes(p.bytesRead),
                added: formatBytes(p.bytesAdded),
                files: String(p.files),
              }),
          }).catch((error: unknown) => {
            if (
              error instanceof Error &&
              /is not a directory|ENOENT/.test(error.message) &&
              !('status' in error)
            ) {
              throw new CliError(`cannot back up ${JSON.stringify(dir)}: ${error.message}`, EXIT.usage);
            }
            throw error;
          }),
        ).finally(() => reader?.close());
        bar.stop();
        if (result.status !== 'complete') throw new CliError('backup stopped before completing', EXIT.failed);
        const s = result.stats;
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify({ ok: true, snapshot: result.snapshotId, stats: s, skipped: result.skipped })}\n`,
          );
        } else {
          process.stdout.write(
            `snapshot ${result.snapshotId.slice(0, 12)} saved: ${s.files} files (${s.filesUnchanged} unchanged), ${s.dirs} dirs, ${s.symlinks} symlinks, ${formatBytes(s.bytesTotal)}\n` +
              `read ${formatBytes(s.bytesRead)}, added ${formatBytes(s.bytesAdded)} in ${s.packsWritten} packs, ${(s.durationMs / 1000).toFixed(2)} s\n`,
          );
          for (const k of result.skipped) process.stderr.write(`skipped ${k.path}: ${k.error}\n`);
        }
        return result.skipped.length > 0 ? EXIT.partial : EXIT.ok;
      }),
    );
}
