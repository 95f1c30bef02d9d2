import * as os from 'node:os';
import { type Command, Option } from 'commander';
import { createS3Client, S3ObjectStore } from '../../lambdas/adapters/aws/s3-object-store';
import { DirObjectStore } from '../../lambdas/adapters/local/dir-object-store';
import { STATE_BUCKET_ENV } from '../../lambdas/config/failover';
import { PAUSE_KEY, type PauseState, parsePauseState, serializePauseState } from '../../lambdas/core/pause';
import type { ObjectStore } from '../../lambdas/ports/object-store';

/** Exit codes of `bulkhead pause` / `bulkhead resume`. */
export const PAUSE_EXIT = { ok: 0, error: 1, usage: 2 } as const;

interface SwitchOptions {
  bucket?: string;
  dir?: string;
  endpoint?: string;
  reason?: string;
  status?: boolean;
  json?: boolean;
}

class UsageError extends Error {}

/** The store the switch lives in: `--dir`, else `--bucket`, else $BULKHEAD_STATE_BUCKET. */
function storeFor(opts: SwitchOptions): { store: ObjectStore; where: string } {
  if (opts.dir && opts.bucket) throw new UsageError('give --bucket or --dir, not both');
  if (opts.dir) return { store: new DirObjectStore(opts.dir), where: `${opts.dir}/${PAUSE_KEY}` };
  const bucket = opts.bucket ?? process.env[STATE_BUCKET_ENV];
  if (!bucket) {
    throw new UsageError(
      `no state bucket: pass --bucket <name> (the stack output StateBucketName), set ${STATE_BUCKET_ENV}, or use --dir <path> for a local test directory`,
    );
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new UsageError(`not an S3 bucket name: ${bucket}`);
  const client = createS3Client(opts.endpoint ? { endpoint: opts.endpoint } : {});
  return { store: new S3ObjectStore({ client, bucket }), where: `s3://${bucket}/${PAUSE_KEY}` };
}

async function run(
  opts: SwitchOptions,
  next: ((current: PauseState) => PauseState) | undefined,
  name: string,
): Promise<void> {
  try {
    const { store, where } = storeFor(opts);
    const current = parsePauseState((await store.get(PAUSE_KEY))?.body);
    const state = next ? next(current) : current;
    if (next) await store.put(PAUSE_KEY, serializePauseState(state), { contentType: 'application/json' });
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ location: where, ...state })}\n`);
    } else {
      const since = state.atMs ? ` since ${new Date(state.atMs).toISOString()}` : '';
      const who = state.by ? ` by ${state.by}` : '';
      const why = state.reason ? ` (${state.reason})` : '';
      const error =
        'error' in state && state.error
          ? ` — unreadable switch, functions act as paused: ${state.error}`
          : '';
      process.stdout.write(
        `${state.paused ? 'PAUSED' : 'ACTIVE'}${who}${since}${why}${error}\n  ${where}\n` +
          (state.paused
            ? '  Failover functions decide and record, but make no ModifyListener, UpdateService or StopTask call.\n'
            : '  Failover functions act on their decisions (unless deployed with dryRun).\n'),
      );
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`bulkhead ${name}: ${message}\n`);
    process.exitCode = error instanceof UsageError ? PAUSE_EXIT.usage : PAUSE_EXIT.error;
  }
}

function withStoreOptions(command: Command): Command {
  return command
    .option('--bucket <name>', `the stack's state bucket (default: $${STATE_BUCKET_ENV})`)
    .option('--dir <path>', 'a local directory standing in for the bucket (tests, drills)')
    .addOption(
      new Option('--endpoint <url>', 'an S3-compatible endpoint instead of AWS (e.g. s3rver)').hideHelp(),
    )
    .option('--json', 'print the switch as one JSON line')
    .addHelpText(
      'after',
      `
The switch is the object ${PAUSE_KEY} in the state bucket. Every failover function (zone-shifter,
task-replacer) reads it on every run: while paused, they still decide and write audit records,
but make no mutating AWS call. No deploy is needed to flip it. An unreadable switch counts as paused.
Exit codes: ${PAUSE_EXIT.ok} done; ${PAUSE_EXIT.error} the bucket or directory could not be read or written; ${PAUSE_EXIT.usage} bad options.`,
    );
}

const who = (): string => {
  try {
    return process.env.USER ?? os.userInfo().username;
  } catch {
    return 'unknown';
  }
};

/** `bulkhead pause`: stop failover actions without a deploy (`--status` only shows the switch). */
export function registerPause(program: Command): void {
  withStoreOptions(
    program
      .command('pause')
      .description('Pause failover actions: the functions keep deciding and recording, but stop acting.')
      .option('-r, --reason <text>', 'why, recorded in the switch and in every audit record while paused')
      .option('--status', 'show the switch without changing it'),
  ).action(async (opts: SwitchOptions) => {
    await run(
      opts,
      opts.status ? undefined : () => ({ paused: true, reason: opts.reason, by: who(), atMs: Date.now() }),
      'pause',
    );
  });
}

/** `bulkhead resume`: let failover act again. */
export function registerResume(program: Command): void {
  withStoreOptions(
    program
      .command('resume')
      .description('Resume failover actions after `bulkhead pause`.')
      .option('-r, --reason <text>', 'why, recorded in the switch'),
  ).action(async (opts: SwitchOptions) => {
    await run(opts, () => ({ paused: false, reason: opts.reason, by: who(), atMs: Date.now() }), 'resume');
  });
}
