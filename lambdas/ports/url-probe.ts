/**
 * Sends one HTTP request and says whether it succeeded: the end-to-end probe through the ALB.
 * On AWS it is `fetch`; drills and tests pass a simulated or scripted one.
 */
export interface UrlProbe {
  get(url: string, timeoutMs: number): Promise<UrlProbeResult>;
}

/** What one probe saw. Success means a response below 500 within the timeout. */
export interface UrlProbeResult {
  readonly ok: boolean;
  /** HTTP status, when a response arrived. */
  readonly status?: number;
  readonly latencyMs: number;
  /** Why it failed without a status: timeout, connection refused, DNS, … */
  readonly error?: string;
}
