import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { KmsKeyManagement } from '../../lambdas/adapters/aws/kms-key-management';
import { DirObjectStore } from '../../lambdas/adapters/local/dir-object-store';
import { nativeZstdCodec } from '../../lambdas/adapters/local/native-zstd';
import { type CodecSet, runtimeCodecs } from '../../lambdas/core/snapshot/codec';
import { LeaseHeldError } from '../../lambdas/core/snapshot/repo-lease';
import { type RepoKeys, Repository, RepositoryError } from '../../lambdas/core/snapshot/repository';
import type { ObjectStore } from '../../lambdas/ports/object-store';
import { CliError, EXIT } from './exit-codes';

/** Where the CLI puts a repository when neither --repo nor BULKHEAD_REPO says. */
export const DEFAULT_REPO = '.bulkhead/repo';

/** Options every repository command takes. */
export interface RepoOptions {
  readonly repo?: string;
  readonly endpoint?: string;
  readonly json?: boolean;
  readonly codec?: string;
}

/** Adds --repo, --endpoint and --json. */
export function withRepoOptions(cmd: Command): Command {
  return cmd
    .option(
      '-r, --repo <url>',
      `repository: a directory, or s3://bucket/prefix (env BULKHEAD_REPO; default ${DEFAULT_REPO})`,
    )
    .option('--endpoint <url>', 'S3-compatible endpoint for s3:// repositories, e.g. http://127.0.0.1:4568')
    .option('--json', 'print one JSON document for scripts instead of text')
    .addHelpText('after', KEYS_HELP);
}

/** How every repository command gets an encrypted repository's key, for `--help`. */
const KEYS_HELP = `
Encrypted repositories: one made with --encrypt needs its passphrase in BULKHEAD_PASSWORD; one made
with --kms-key names its KMS key in its config, and needs kms:Decrypt on that key with the caller's
AWS credentials (AWS_PROFILE, AWS_REGION, ...), and BULKHEAD_PASSWORD unset.`;

/** Parses a repository URL into an ObjectStore; the AWS SDK is loaded only for s3:// URLs (it costs ~0.3 s). */
export async function storeFor(url: string, endpoint?: string): Promise<ObjectStore> {
  if (url.startsWith('s3://')) {
    const rest = url.slice(5);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? '' : rest.slice(slash + 1);
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new CliError(`bad S3 bucket name in --repo ${JSON.stringify(url)}`, EXIT.usage);
    }
    // require, not import(): the bin runs through tsx's CommonJS hook, which resolves extensionless require only.
    const { createS3Client, S3ObjectStore } =
      require('../../lambdas/adapters/aws/s3-object-store') as typeof import('../../lambdas/adapters/aws/s3-object-store');
    return new S3ObjectStore({ client: createS3Client({ endpoint }), bucket, prefix });
  }
  if (/^[a-z0-9+]+:\/\//i.test(url)) {
    throw new CliError(
      `unsupported repository URL ${JSON.stringify(url)}: use a directory or s3://bucket/prefix`,
      EXIT.usage,
    );
  }
  return new DirObjectStore(path.resolve(url));
}

/** The codecs the CLI has: zstd through the native binding (see native-zstd.ts), plus the fallbacks. */
export function cliCodecs(preferred?: string): CodecSet {
  try {
    return runtimeCodecs(nativeZstdCodec(), preferred);
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), EXIT.usage);
  }
}

/** The passphrase of an encrypted repository, from BULKHEAD_PASSWORD (never an argument: it would show in ps). */
export function passphrase(): string | undefined {
  const p = process.env.BULKHEAD_PASSWORD;
  return p === undefined || p === '' ? undefined : p;
}

/** Env var naming the KMS key for a new repository (as --kms-key does). */
export const KMS_KEY_ENV = 'BULKHEAD_KMS_KEY';

/** The KMS key for a new repository: --kms-key, else BULKHEAD_KMS_KEY; validated loosely (ARN, key ID or alias). */
export function kmsKeyOption(opts: { readonly kmsKey?: string }): string | undefined {
  const env = process.env[KMS_KEY_ENV];
  const key = opts.kmsKey ?? (env === '' ? undefined : env);
  if (key === undefined) return undefined;
  if (
    !/^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[\w/+=,.@:-]+|alias\/[\w/+=,.@:-]+|[0-9a-f-]{36}|mrk-[0-9a-f]{32})$/.test(
      key,
    )
  ) {
    throw new CliError(
      `--kms-key must be a KMS key ARN, key ID, alias name (alias/…) or alias ARN, got ${JSON.stringify(key)}`,
      EXIT.usage,
    );
  }
  if (passphrase()) {
    throw new CliError(
      `--kms-key (or ${KMS_KEY_ENV}) and BULKHEAD_PASSWORD both given: the repository key comes from one of them`,
      EXIT.usage,
    );
  }
  return key;
}

let kms: KmsKeyManagement | undefined;

/**
 * What opens a repository from the CLI: BULKHEAD_PASSWORD, and AWS KMS with the caller's credentials
 * (the KMS SDK loads only when a repository's key is in KMS).
 */
export function repoKeys(): RepoKeys {
  kms ??= new KmsKeyManagement();
  return { passphrase: passphrase(), kms };
}

/** Resolves the repository URL from the option, then the env, then the default. */
export function repoUrl(opts: RepoOptions): string {
  return opts.repo ?? process.env.BULKHEAD_REPO ?? DEFAULT_REPO;
}

/** What a new repository is made with (backup, init). */
export interface CreateOptions {
  readonly packSize?: string;
  readonly encrypt?: boolean;
  readonly kmsKey?: string;
}

/** Adds --pack-size, --encrypt and --kms-key; `who` completes "when <who> the repository". */
export function withCreateOptions(cmd: Command, who: string): Command {
  return cmd
    .option('--pack-size <MiB>', `target pack size when ${who} the repository`, '16')
    .option(
      '--encrypt',
      `when ${who} the repository: encrypt it client-side (AES-256-GCM, key from BULKHEAD_PASSWORD via scrypt)`,
    )
    .option(
      '--kms-key <arn|alias>',
      `when ${who} the repository: encrypt it client-side with a data key from this AWS KMS key (env ${KMS_KEY_ENV}); needs kms:GenerateDataKey and kms:Decrypt on it. Later commands find the key in the repository and need only kms:Decrypt`,
    );
}

/**
 * Creates the repository with the {@link CreateOptions}, or opens the one there (which a --kms-key
 * must match); repository and KMS errors exit 5, bad options 2.
 */
export async function createRepo(
  opts: RepoOptions & CreateOptions,
  store: ObjectStore,
  codecs: CodecSet,
): Promise<Repository> {
  const packMiB = numberOption('--pack-size', opts.packSize, { min: 0.0625, max: 512 }) ?? 16;
  const kmsKeyId = kmsKeyOption(opts);
  if (opts.encrypt && !passphrase() && !kmsKeyId) {
    throw new CliError('--encrypt needs the passphrase in BULKHEAD_PASSWORD (or a --kms-key)', EXIT.usage);
  }
  return namingRepo(opts, () =>
    Repository.init(store, codecs, {
      id: randomUUID(),
      nowMs: Date.now(),
      packSize: Math.round(packMiB * 1024 * 1024),
      ...repoKeys(),
      encrypt: opts.encrypt,
      kmsKeyId,
    }),
  );
}

/** Opens the repository (backup and init create it: {@link createRepo}). */
export async function openRepo(opts: RepoOptions): Promise<Repository> {
  const store = await storeFor(repoUrl(opts), opts.endpoint);
  const codecs = cliCodecs(opts.codec);
  return namingRepo(opts, () => Repository.open(store, codecs, repoKeys()));
}

/** Runs `body`; a {@link RepositoryError} exits 5 with the repository's URL before its message. */
async function namingRepo<T>(opts: RepoOptions, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof RepositoryError)
      throw new CliError(`${repoUrl(opts)}: ${error.message}`, EXIT.noRepository);
    throw error;
  }
}

/** This process's lease holder name. */
export function holderName(): string {
  return `cli:${hostname()}:${process.pid}`;
}

/** A CLI holder on this host whose process is gone (killed, crashed): its lease can be broken at once. */
export function isHolderDead(holder: string): boolean {
  const m = /^cli:(.+):(\d+)$/.exec(holder);
  if (!m || m[1] !== hostname() || Number(m[2]) === process.pid) return false;
  try {
    process.kill(Number(m[2]), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * The lease options every CLI command uses: 5 min TTL, renewed while working, and `wait`, the
 * command's --wait in seconds (a bad value exits 2 naming it).
 */
export function cliLease(wait: string | undefined) {
  const waitMs = (numberOption('--wait', wait, { max: 86_400 }) ?? 0) * 1000;
  return { holder: holderName(), ttlMs: 5 * 60_000, nowMs: Date.now, waitMs, isHolderDead };
}

/** Runs a command body, mapping known errors to exit codes and messages on stderr. */
export async function runCommand(json: boolean | undefined, body: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await body();
  } catch (error) {
    const code =
      error instanceof CliError
        ? error.exitCode
        : error instanceof LeaseHeldError
          ? EXIT.locked
          : error instanceof RepositoryError
            ? EXIT.noRepository
            : EXIT.failed;
    const msg = error instanceof Error ? error.message : String(error);
    if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: msg, exitCode: code })}\n`);
    process.stderr.write(`bulkhead: ${msg}\n`);
    process.exitCode = code;
  }
}

/** Parses a number option inside an action (so a bad value exits 2), naming the bad value. */
export function numberOption(
  name: string,
  value: string | undefined,
  opts: { min?: number; max?: number; integer?: boolean } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const min = opts.min ?? 0;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  if (
    value.trim() === '' ||
    !Number.isFinite(n) ||
    n < min ||
    n > max ||
    (opts.integer && !Number.isInteger(n))
  ) {
    throw new CliError(
      `${name} must be ${opts.integer ? 'an integer' : 'a number'} between ${min} and ${max}, got ${JSON.stringify(value)}`,
      EXIT.usage,
    );
  }
  return n;
}

/** Human-readable bytes. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}
