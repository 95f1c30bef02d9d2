/** A progress bar on stderr when it is a TTY and output is not --json; otherwise does nothing. */
export interface Progress {
  update(value: number, total: number, payload?: Record<string, string>): void;
  stop(): void;
}

/** Creates a {@link Progress} with the given format (cli-progress tokens). */
export function progressBar(json: boolean | undefined, format: string): Progress {
  if (json || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  // Loaded only for a TTY: scripts and the Lambda never pay for it.
  const { Presets, SingleBar } = require('cli-progress') as typeof import('cli-progress');
  const bar = new SingleBar(
    { format, stream: process.stderr, hideCursor: true, etaBuffer: 50 },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(value, total, payload) {
      if (!started) {
        bar.start(total, value, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(value, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
