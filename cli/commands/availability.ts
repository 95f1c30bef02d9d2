import type { Command } from 'commander';
import { createS3Client, S3ObjectStore } from '../../lambdas/adapters/aws/s3-object-store';
import { computeReport } from '../../lambdas/core/availability/report';
import { BURN_WINDOWS, parseWindow } from '../../lambdas/core/availability/windows';
import { type LogSource, LogSourceError, loadHistory, resolveLogPath } from '../availability/load-log';
import { renderJson, renderTable } from '../availability/render';

/** Exit codes of `bulkhead availability`. */
export const AVAILABILITY_EXIT = { ok: 0, error: 1, usage: 2 } as const;

/** A bad option value: printed with the value received, exit code 2. */
class UsageError extends Error {}

function parseSlo(value: string): number {
  const n = Number(value);
  if (!(value.trim() !== '' && Number.isFinite(n) && n > 0 && n < 100)) {
    throw new UsageError(`--slo must be a percentage strictly between 0 and 100, e.g. 99.9; got "${value}"`);
  }
  return n;
}

function parseNow(value: string | undefined): number {
  if (value === undefined) return Date.now();
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms))
    throw new UsageError(`--now must be an ISO time or epoch milliseconds; got "${value}"`);
  return ms;
}

function checkWindow(value: string): number {
  try {
    return parseWindow(value);
  } catch (error) {
    throw new UsageError(`--window: ${(error as Error).message}`);
  }
}

/** Options of {@link runAvailability}, as commander parses them. */
export interface AvailabilityOptions {
  readonly window: string;
  /** Percent, as typed. */
  readonly slo: string;
  readonly log?: string;
  readonly bucket?: string;
  readonly prefix?: string;
  readonly region?: string;
  readonly endpoint?: string;
  /** ISO time or epoch ms, as typed. */
  readonly now?: string;
  readonly json?: boolean;
}

/**
 * Runs `bulkhead availability`: reads the incident log, computes the time-based figures for every
 * scope over the window, and returns what to print and the exit code.
 */
export async function runAvailability(
  opts: AvailabilityOptions,
): Promise<{ stdout: string; stderr: string; code: number }> {
  const usage = (message: string) => ({
    stdout: '',
    stderr: `bulkhead availability: ${message}\n`,
    code: AVAILABILITY_EXIT.usage,
  });
  let sloPercent: number;
  let nowMs: number;
  let windowMs: number;
  try {
    windowMs = checkWindow(opts.window);
    sloPercent = parseSlo(opts.slo);
    nowMs = parseNow(opts.now);
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    throw error;
  }
  if ((opts.log === undefined) === (opts.bucket === undefined)) {
    return {
      stdout: '',
      stderr: 'bulkhead availability: give exactly one of --log <file|dir> or --bucket <name>\n',
      code: AVAILABILITY_EXIT.usage,
    };
  }
  let source: LogSource;
  let label: string;
  try {
    if (opts.log !== undefined) {
      source = await resolveLogPath(opts.log);
      label = `${source.kind === 'dir' ? 'directory' : 'file'} ${opts.log}`;
    } else {
      const store = new S3ObjectStore({
        client: createS3Client({ region: opts.region, endpoint: opts.endpoint }),
        bucket: opts.bucket as string,
        prefix: opts.prefix,
      });
      label = `s3://${opts.bucket}/${opts.prefix ?? ''}`;
      source = { kind: 'store', store, label };
    }
  } catch (error) {
    if (error instanceof LogSourceError)
      return {
        stdout: '',
        stderr: `bulkhead availability: ${error.message}\n`,
        code: AVAILABILITY_EXIT.usage,
      };
    throw error;
  }
  const history = await loadHistory(source, { nowMs, auditFromMs: nowMs - windowMs });
  const scopes = [
    'service',
    ...new Set(
      [...history.incidents.map((i) => i.scope), ...Object.keys(history.gaps)]
        .filter((s) => s !== 'service')
        .sort(),
    ),
  ];
  const report = computeReport({
    nowMs,
    scopes,
    incidents: history.incidents,
    unobserved: history.gaps,
    slo: sloPercent / 100,
    sloWindow: opts.window,
    windows: [opts.window],
    burnWindows: BURN_WINDOWS.filter((w) => parseWindow(w) <= windowMs),
  });
  const output = { source: label, window: opts.window, report, history };
  return {
    stdout: opts.json ? renderJson(output) : renderTable(output),
    stderr: '',
    code: AVAILABILITY_EXIT.ok,
  };
}

/** `bulkhead availability`: availability, MTBF, MTTR, MTTD and error budget from the incident log. */
export function registerAvailability(program: Command): void {
  program
    .command('availability')
    .description(
      "Print availability, MTBF, MTTR, MTTD, time to mitigate, incident count and error budget per scope (service and each AZ), computed from the incident log in a local file or directory, or in the stack's state bucket.",
    )
    .option('-w, --window <length>', 'the window ending now: <n>m, <n>h or <n>d', '30d')
    .option('--slo <percent>', 'the availability objective, in percent', '99.9')
    .option(
      '--log <file|dir>',
      'a JSON Lines file of incident records, or a local copy of the state bucket (incidents/ and audit/ under it)',
    )
    .option(
      '--bucket <name>',
      "the stack's state bucket (stack output StateBucketName); uses your AWS credentials",
    )
    .option('--prefix <prefix>', 'key prefix inside the bucket, if the state lives under one')
    .option('--region <region>', 'region of the bucket (default: the SDK region chain)')
    .option('--endpoint <url>', 'an S3-compatible endpoint, e.g. http://127.0.0.1:4568')
    .option(
      '--now <time>',
      'end of the window (ISO time or epoch ms), for reproducible reports; default: now',
    )
    .option(
      '--json',
      'print JSON instead of the table (figures not defined, such as MTBF without failures, are null)',
    )
    .addHelpText(
      'after',
      `
Definitions (README "Availability"): availability = uptime / observed time = MTBF / (MTBF + MTTR);
MTBF = uptime / failures, MTTR = downtime / failures, both clipped to the window; without failures MTBF is
shown as "> <uptime>" (JSON: null). Signal gaps are neither up nor down and are listed; malformed records
are skipped and listed under "Log findings", never counted.
Exit codes: ${AVAILABILITY_EXIT.ok} done (even with findings: they are printed); ${AVAILABILITY_EXIT.error} error (e.g. S3 access denied); ${AVAILABILITY_EXIT.usage} bad option or unreadable --log.`,
    )
    .action(async (opts: AvailabilityOptions) => {
      const result = await runAvailability(opts);
      process.stdout.write(result.stdout);
      process.stderr.write(result.stderr);
      process.exitCode = result.code;
    });
}
