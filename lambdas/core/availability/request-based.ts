import type { Interval } from './windows';

/**
 * Request counts of one period (one CloudWatch datapoint), per scope. For the ALB:
 * `valid = RequestCount + HTTPCode_ELB_5XX_Count` and `bad = HTTPCode_Target_5XX_Count +
 * HTTPCode_ELB_5XX_Count` (see {@link albCounts}). For a prober: `valid` = probes sent, `bad` =
 * probes that failed.
 */
export interface RequestSample {
  /** Start of the period. */
  readonly startMs: number;
  readonly valid: number;
  readonly bad: number;
}

/**
 * Request-based figures over a window: `availability = good / valid`, `errorRatio = bad / valid`.
 * With zero valid requests both are `undefined` (zero traffic says nothing about availability; the
 * probe SLI covers that case), never 1 and never NaN.
 */
export interface RequestFigures {
  readonly window: Interval;
  readonly valid: number;
  readonly bad: number;
  readonly good: number;
  /** Periods in the window that had a sample. */
  readonly samples: number;
  readonly availability: number | undefined;
  readonly errorRatio: number | undefined;
}

/**
 * Turns the ALB's counts of one period into a sample. ELB 5xx (e.g. 503 with no healthy target)
 * are often not in RequestCount, which counts only requests for which a target was chosen, so they
 * are added to the valid requests and counted as bad. Bad requests are capped at valid ones so a
 * skewed datapoint can never drive availability below 0.
 */
export function albCounts(
  startMs: number,
  requestCount: number,
  target5xx: number,
  elb5xx: number,
): RequestSample {
  const valid = Math.max(0, requestCount) + Math.max(0, elb5xx);
  const bad = Math.min(valid, Math.max(0, target5xx) + Math.max(0, elb5xx));
  return { startMs, valid, bad };
}

/** Sums the samples whose period starts inside `window` into request-based figures. */
export function requestFigures(samples: readonly RequestSample[], window: Interval): RequestFigures {
  let valid = 0;
  let bad = 0;
  let count = 0;
  for (const s of samples) {
    if (s.startMs < window.startMs || s.startMs >= window.endMs) continue;
    const v = Math.max(0, s.valid);
    valid += v;
    bad += Math.min(v, Math.max(0, s.bad));
    count += 1;
  }
  return {
    window,
    valid,
    bad,
    good: valid - bad,
    samples: count,
    availability: valid > 0 ? (valid - bad) / valid : undefined,
    errorRatio: valid > 0 ? bad / valid : undefined,
  };
}
