/**
 * One HTTP probe of one target, as the zonal prober makes it. On AWS a node:http request from
 * inside the VPC; in drills the simulated region answers as the injected fault dictates.
 */
export interface HttpProbe {
  /** GETs `http://<ip>:<port><path>`; never throws: failures come back as `ok: false`. */
  probe(ip: string, port: number, path: string, timeoutMs: number): Promise<ProbeResult>;
}

/** The outcome of one probe. */
export interface ProbeResult {
  /** A 2xx or 3xx answer within the timeout. */
  readonly ok: boolean;
  readonly status?: number;
  readonly latencyMs: number;
  readonly error?: string;
}

/** Waits; the prober paces its rounds with it (drills advance simulated time instead). */
export type Sleep = (ms: number) => Promise<void>;

/** Real waiting, for AWS. */
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
