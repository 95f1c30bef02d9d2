/** The only source of "now" for handlers: real time on AWS, simulated time in drills and tests. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

/** Wall-clock time, for AWS and the CLI. */
export const systemClock: Clock = { nowMs: () => Date.now() };
