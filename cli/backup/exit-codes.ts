/** Exit codes of the backup commands, shown in their `--help`. */
export const EXIT = {
  ok: 0,
  /** The command failed, or verify found errors. */
  failed: 1,
  /** A bad argument or option value. */
  usage: 2,
  /** The snapshot was written, but some files could not be read (they are listed in it). */
  partial: 3,
  /** Another backup, forget or prune holds the repository lease. */
  locked: 4,
  /** No repository at that location, or it cannot be read. */
  noRepository: 5,
} as const;

/** The exit-code table for `--help`. */
export const EXIT_HELP = `
Exit codes:
  0  success
  1  failure (for verify: problems found)
  2  bad argument or option value
  3  backup written, but some files were unreadable and skipped (listed in the snapshot)
  4  repository locked by another backup, forget or prune
  5  no repository at that location, or it cannot be read`;

/** An error with its exit code, raised by the commands. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
