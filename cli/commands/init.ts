import type { Command } from 'commander';
import { isKmsEncryption } from '../../lambdas/core/snapshot/crypto';
import { KEYS } from '../../lambdas/core/snapshot/format';
import { CliError, EXIT, EXIT_HELP } from '../backup/exit-codes';
import {
  type CreateOptions,
  cliCodecs,
  createRepo,
  type RepoOptions,
  repoUrl,
  runCommand,
  storeFor,
  withCreateOptions,
  withRepoOptions,
} from '../backup/repo-options';

/** `bulkhead init`: creates an empty repository (backup also creates one on first use). */
export function registerInit(program: Command): void {
  withCreateOptions(
    withRepoOptions(
      program
        .command('init')
        .description(
          'Create an empty repository, e.g. to choose its key (--kms-key or --encrypt) before the first backup. Fails when one exists there.',
        ),
    ),
    'init creates',
  )
    .addHelpText(
      'after',
      `\nExamples:\n  bulkhead init --repo s3://my-bucket/volume --kms-key arn:aws:kms:eu-west-1:111122223333:key/…\n  BULKHEAD_PASSWORD=… bulkhead init --repo /backups/repo --encrypt\n${EXIT_HELP}`,
    )
    .action(async (opts: RepoOptions & CreateOptions) =>
      runCommand(opts.json, async () => {
        const url = repoUrl(opts);
        const store = await storeFor(url, opts.endpoint);
        if (await store.head(KEYS.config)) {
          throw new CliError(`${url}: a repository already exists here`, EXIT.failed);
        }
        const repo = await createRepo(opts, store, cliCodecs(opts.codec));
        const e = repo.config.encryption;
        const key = isKmsEncryption(e)
          ? { source: 'kms', keyArn: e.kms.keyArn }
          : { source: e ? 'passphrase' : 'none' };
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ ok: true, repository: url, id: repo.config.id, key })}\n`);
        } else {
          const how =
            key.source === 'kms'
              ? `encrypted with a data key from KMS key ${key.keyArn}`
              : key.source === 'passphrase'
                ? 'encrypted with a key from BULKHEAD_PASSWORD'
                : 'not encrypted client-side';
          process.stdout.write(`created repository ${repo.config.id} at ${url}, ${how}\n`);
        }
        return EXIT.ok;
      }),
    );
}
