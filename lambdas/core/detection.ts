import type { DetectionPolicy } from './failover-policy';

/**
 * Per-AZ impairment detection, pure. An AZ's period is "bad" only when three things hold together:
 * it is an outlier against the other AZs, an absolute threshold is crossed, and more than one
 * target is affected. An AZ is impaired when M of the last N periods are bad.
 */

/** One AZ's signals over one period. Absent fields mean the metric had no datapoint. */
export interface AzSample {
  /** ALB RequestCount (Sum) of the cell's target group. */
  readonly requests?: number;
  /** ALB HTTPCode_Target_5XX_Count (Sum). */
  readonly faults?: number;
  /** ALB TargetResponseTime (Average), in ms. */
  readonly latencyMs?: number;
  /** ALB UnHealthyHostCount (Maximum). */
  readonly unhealthyHosts?: number;
  /** ALB HealthyHostCount (Maximum): the most healthy targets the AZ had during the period. */
  readonly healthyHosts?: number;
  /** Prober: probes sent (Sum). */
  readonly probes?: number;
  /** Prober: failed probes (Sum). */
  readonly probeFailures?: number;
  /** Prober: distinct targets failing (Maximum). */
  readonly probeFailedTargets?: number;
  /** Prober: mean probe latency (Average), in ms. */
  readonly probeLatencyMs?: number;
}

/** Every AZ's samples for one period. */
export interface PeriodSamples {
  readonly startMs: number;
  readonly byAz: Readonly<Record<string, AzSample>>;
}

/** How one period of one AZ was judged, and why. */
export interface PeriodVerdict {
  readonly verdict: 'bad' | 'good' | 'missing';
  readonly why: string;
  /** An absolute threshold was crossed, outlier or not: with other AZs, a sign of a regional event. */
  readonly overThreshold?: boolean;
  /** An outlier over an absolute threshold, whatever the number of targets affected. */
  readonly signal?: boolean;
  /** Targets affected in this period. */
  readonly affected?: number;
  /** Targets that had to be affected for this period to be bad ({@link affectedTargetsNeeded}). */
  readonly needed?: number;
}

/** The result of assessing one AZ over the lookback. */
export interface AzHealth {
  readonly az: string;
  /** `unknown`: too many periods without evidence to rule an impairment out. */
  readonly status: 'healthy' | 'impaired' | 'unknown';
  /** Bad periods among the last N. */
  readonly badInWindow: number;
  /** Periods without evidence among the last N. */
  readonly missingInWindow: number;
  /** Periods among the last N where an absolute threshold was crossed, outlier or not. */
  readonly overThresholdInWindow?: number;
  /** For an impaired AZ: from the start of the first bad period in the window to the end of the M-th. */
  readonly detectionMs?: number;
  /** Length of the trailing run of good periods (recovery held so far); 0 when the last is not good. */
  readonly goodForMs: number;
  /** Verdicts of the last N periods, oldest first (for the audit record). */
  readonly recent: readonly PeriodVerdict['verdict'][];
  /** Why the most recent bad (or, if none, the most recent) period was judged so. */
  readonly why: string;
}

/** 2×2 chi-squared statistic for (a faults, b successes) against (c faults, d successes). */
export function chiSquared2x2(a: number, b: number, c: number, d: number): number {
  const n = a + b + c + d;
  const denominator = (a + b) * (c + d) * (a + c) * (b + d);
  if (n === 0 || denominator === 0) return 0;
  const diff = a * d - b * c;
  return (n * diff * diff) / denominator;
}

/** The median of `values`; undefined when there are none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Is (faults, total) of one AZ an outlier against (faults, total) of the others? */
function countOutlier(
  azFaults: number,
  azTotal: number,
  otherFaults: number,
  otherTotal: number,
  policy: DetectionPolicy,
): boolean {
  if (otherTotal <= 0 || azTotal <= 0) return false;
  const azRate = azFaults / azTotal;
  const otherRate = otherFaults / otherTotal;
  if (azRate <= otherRate) return false;
  if (policy.outlierTest === 'chi-squared') {
    const stat = chiSquared2x2(azFaults, azTotal - azFaults, otherFaults, otherTotal - otherFaults);
    return stat >= policy.chiSquaredCritical;
  }
  const faultShare = azFaults / (azFaults + otherFaults);
  const requestShare = azTotal / (azTotal + otherTotal);
  return faultShare >= policy.faultShareFactor * requestShare;
}

const num = (value: number | undefined): number =>
  value !== undefined && Number.isFinite(value) ? value : 0;

/**
 * How many targets must be affected for a signalling period to be bad: "more than one"
 * (`minAffectedTargets`), but never more than half of the cell, rounded up, when its size is known
 * (the most targets the ALB counted healthy or unhealthy in the period; unknown without a healthy
 * one). A cell of one task could
 * never show two, and in a cell of two, one affected target is already half its capacity, while
 * per-target-group metrics cannot tell it from two: the outlier test and the threshold carry the
 * evidence there. Without a host count (the prober's pooled window), `minAffectedTargets` holds.
 */
export function affectedTargetsNeeded(sample: AzSample, policy: DetectionPolicy): number {
  if (sample.healthyHosts === undefined || sample.healthyHosts <= 0) return policy.minAffectedTargets;
  const targets = Math.max(num(sample.healthyHosts), num(sample.unhealthyHosts));
  return Math.min(policy.minAffectedTargets, Math.ceil(targets / 2));
}

/** One signal of one period: over its absolute threshold, and why it signals when it is also an outlier. */
interface SignalCheck {
  readonly overThreshold: boolean;
  /** Set when the signal is an outlier over its threshold. */
  readonly reason?: string;
}

/** A failure rate (5xx or probes) against its threshold and the other AZs' pooled counts. */
function rateCheck(
  label: string,
  failures: number,
  total: number,
  otherFailures: number,
  otherTotal: number,
  threshold: number,
  policy: DetectionPolicy,
): SignalCheck {
  const rate = failures / total;
  const overThreshold = rate >= threshold;
  return overThreshold && countOutlier(failures, total, otherFailures, otherTotal, policy)
    ? { overThreshold, reason: `${label} ${rate.toFixed(3)} is an outlier over threshold ${threshold}` }
    : { overThreshold };
}

/** A mean latency (ALB or probes) against its threshold and `latencyOutlierFactor` × the other AZs' median. */
function latencyCheck(
  label: string,
  latency: number | undefined,
  otherLatencies: readonly number[],
  threshold: number,
  policy: DetectionPolicy,
): SignalCheck {
  if (latency === undefined) return { overThreshold: false };
  const overThreshold = latency >= threshold;
  const others = median(otherLatencies);
  return overThreshold && others !== undefined && latency >= policy.latencyOutlierFactor * others
    ? {
        overThreshold,
        reason: `${label} ${Math.round(latency)} ms is an outlier over threshold ${threshold} ms`,
      }
    : { overThreshold };
}

/** Judges one AZ in one period against the other AZs of the same period. */
export function judgePeriod(az: string, period: PeriodSamples, policy: DetectionPolicy): PeriodVerdict {
  const self = period.byAz[az] ?? {};
  const others = Object.entries(period.byAz).filter(([name]) => name !== az);
  const requests = num(self.requests);
  const faults = Math.min(num(self.faults), requests);
  const probes = num(self.probes);
  const probeFailures = Math.min(num(self.probeFailures), probes);
  const hasRequestEvidence = requests >= policy.minRequests;
  const hasProbeEvidence = probes >= policy.minProbes;
  const hasHostEvidence = self.healthyHosts !== undefined;
  let affected = Math.max(num(self.unhealthyHosts), num(self.probeFailedTargets));

  const sum = (pick: (s: AzSample) => number) => others.reduce((total, [, s]) => total + pick(s), 0);
  const latencies = (enough: (s: AzSample) => boolean, pick: (s: AzSample) => number | undefined) =>
    others.filter(([, s]) => enough(s) && pick(s) !== undefined).map(([, s]) => num(pick(s)));
  const checks: SignalCheck[] = [];
  if (hasRequestEvidence) {
    checks.push(
      rateCheck(
        '5xx rate',
        faults,
        requests,
        sum((s) => Math.min(num(s.faults), num(s.requests))),
        sum((s) => num(s.requests)),
        policy.faultRateThreshold,
        policy,
      ),
      latencyCheck(
        'latency',
        self.latencyMs,
        latencies(
          (s) => num(s.requests) >= policy.minRequests,
          (s) => s.latencyMs,
        ),
        policy.latencyThresholdMs,
        policy,
      ),
    );
  }
  if (hasProbeEvidence) {
    checks.push(
      rateCheck(
        'probe failure rate',
        probeFailures,
        probes,
        sum((s) => Math.min(num(s.probeFailures), num(s.probes))),
        sum((s) => num(s.probes)),
        policy.probeFailureRateThreshold,
        policy,
      ),
      latencyCheck(
        'probe latency',
        self.probeLatencyMs,
        latencies(
          (s) => num(s.probes) >= policy.minProbes,
          (s) => s.probeLatencyMs,
        ),
        policy.probeLatencyThresholdMs,
        policy,
      ),
    );
  }
  const reasons = checks.flatMap((c) => (c.reason ? [c.reason] : []));
  let signal = reasons.length > 0;
  const overThreshold = checks.some((c) => c.overThreshold);
  // Lost capacity: targets gone or failing health checks leave the AZ with far fewer healthy
  // targets than the others have. Requests then fail at the ALB (no TargetGroup metric) and the
  // prober finds nothing to probe, so the healthy-host count is the one signal left.
  const otherHealthy = median(
    others.filter(([, s]) => s.healthyHosts !== undefined).map(([, s]) => num(s.healthyHosts)),
  );
  if (hasHostEvidence && otherHealthy !== undefined && otherHealthy > 0) {
    const healthy = num(self.healthyHosts);
    if (healthy <= policy.capacityLossFraction * otherHealthy) {
      signal = true;
      affected = Math.max(affected, otherHealthy - healthy);
      reasons.push(`${healthy} healthy targets against a median of ${otherHealthy} in the other AZs`);
    }
  }
  const needed = affectedTargetsNeeded(self, policy);
  if (signal && affected >= needed) {
    return {
      verdict: 'bad',
      why: `${reasons.join('; ')}; ${affected} targets affected`,
      overThreshold: true,
      signal,
      affected,
      needed,
    };
  }
  if (!hasRequestEvidence && !hasProbeEvidence && !hasHostEvidence) {
    return { verdict: 'missing', why: `no evidence: ${requests} requests, ${probes} probes, no host count` };
  }
  if (signal) {
    return {
      verdict: 'good',
      overThreshold,
      signal,
      affected,
      needed,
      why: `${reasons.join('; ')}, but only ${affected} target(s) affected (< ${needed})`,
    };
  }
  return { verdict: 'good', why: 'within thresholds or not an outlier', overThreshold };
}

/**
 * Assesses one AZ over periods sorted oldest first (each a complete period). Healthy means that
 * even if every period without evidence had been bad, M of N would not be reached.
 */
export function assessAz(az: string, periods: readonly PeriodSamples[], policy: DetectionPolicy): AzHealth {
  const periodMs = policy.periodSeconds * 1000;
  const raw = periods.map((p) => judgePeriod(az, p, policy));
  // "More than one target affected" is a property of the impairment, not of each minute: a gray
  // failure fails a share of requests on every target, but a given minute may catch only one of
  // them failing a probe. Within the window, the most targets seen affected counts for every
  // signalling period.
  const windowStart = Math.max(0, raw.length - policy.evaluationPeriods);
  const windowAffected = Math.max(
    0,
    ...raw
      .slice(windowStart)
      .filter((v) => v.signal)
      .map((v) => v.affected ?? 0),
  );
  const verdicts: PeriodVerdict[] = raw.map((v, i) =>
    i >= windowStart &&
    v.verdict === 'good' &&
    v.signal &&
    windowAffected >= (v.needed ?? policy.minAffectedTargets)
      ? { ...v, verdict: 'bad', why: `${v.why}; ${windowAffected} targets affected within the window` }
      : v,
  );
  const window = verdicts.slice(-policy.evaluationPeriods);
  const windowPeriods = periods.slice(-policy.evaluationPeriods);
  // Periods absent from the lookback count as missing, so a short history never reads as healthy.
  const absent = Math.max(0, policy.evaluationPeriods - window.length);
  const badInWindow = window.filter((v) => v.verdict === 'bad').length;
  const missingInWindow = window.filter((v) => v.verdict === 'missing').length + absent;
  const overThresholdInWindow = window.filter((v) => v.overThreshold).length;

  let trailingGood = 0;
  for (let i = verdicts.length - 1; i >= 0 && verdicts[i].verdict === 'good'; i--) trailingGood++;

  const lastBad = [...verdicts].reverse().find((v) => v.verdict === 'bad');
  const why = lastBad?.why ?? verdicts[verdicts.length - 1]?.why ?? 'no periods';
  const recent = window.map((v) => v.verdict);

  if (badInWindow >= policy.datapointsToAlarm) {
    const badIndexes = window.flatMap((v, i) => (v.verdict === 'bad' ? [i] : []));
    const first = windowPeriods[badIndexes[0]].startMs;
    const mth = windowPeriods[badIndexes[policy.datapointsToAlarm - 1]].startMs + periodMs;
    return {
      az,
      status: 'impaired',
      badInWindow,
      missingInWindow,
      detectionMs: mth - first,
      goodForMs: 0,
      recent,
      why,
    };
  }
  const status = badInWindow + missingInWindow >= policy.datapointsToAlarm ? 'unknown' : 'healthy';
  return {
    az,
    status,
    badInWindow,
    missingInWindow,
    overThresholdInWindow,
    goodForMs: trailingGood * periodMs,
    recent,
    why,
  };
}

/**
 * Pools the prober's fields of several periods into one sample per AZ: probe and failure counts
 * add up, latency is the probe-weighted mean, failing targets the most seen in any period. The
 * other fields are left out, so judging the pool uses the probe evidence only.
 */
export function poolProbePeriods(periods: readonly PeriodSamples[]): PeriodSamples | undefined {
  if (periods.length === 0) return undefined;
  const azs = new Set(periods.flatMap((p) => Object.keys(p.byAz)));
  const byAz: Record<string, AzSample> = {};
  for (const az of azs) {
    const samples = periods.map((p) => p.byAz[az] ?? {}).filter((s) => s.probes !== undefined);
    if (samples.length === 0) {
      byAz[az] = {};
      continue;
    }
    const probes = samples.reduce((sum, s) => sum + num(s.probes), 0);
    const timed = samples.filter((s) => s.probeLatencyMs !== undefined && num(s.probes) > 0);
    const timedProbes = timed.reduce((sum, s) => sum + num(s.probes), 0);
    byAz[az] = {
      probes,
      probeFailures: samples.reduce((sum, s) => sum + Math.min(num(s.probeFailures), num(s.probes)), 0),
      probeFailedTargets: Math.max(...samples.map((s) => num(s.probeFailedTargets))),
      ...(timedProbes > 0
        ? {
            probeLatencyMs:
              timed.reduce((sum, s) => sum + num(s.probeLatencyMs) * num(s.probes), 0) / timedProbes,
          }
        : {}),
    };
  }
  return { startMs: periods[0].startMs, byAz };
}

/**
 * The prober's fast path for one AZ: its last `probeWindowPeriods` high-resolution periods,
 * pooled and judged as one period. Undefined when the fast path is off or a period is absent
 * (an incomplete window is no evidence either way).
 */
export function judgeProbeWindow(
  az: string,
  probePeriods: readonly PeriodSamples[],
  policy: DetectionPolicy,
): PeriodVerdict | undefined {
  const pooled = probeWindow(probePeriods, policy);
  return pooled ? judgePeriod(az, pooled, policy) : undefined;
}

/** Every AZ's last `probeWindowPeriods` periods pooled; undefined when the fast path is off or a period is absent. */
function probeWindow(
  probePeriods: readonly PeriodSamples[],
  policy: DetectionPolicy,
): PeriodSamples | undefined {
  const k = policy.probeWindowPeriods;
  if (k <= 0 || probePeriods.length < k) return undefined;
  return poolProbePeriods(probePeriods.slice(-k));
}

/**
 * Folds the fast path's verdict into the one-minute assessment. A bad pooled window makes the AZ
 * impaired now (detection took the window's length); crossing a threshold there counts as a hot
 * period, which the regional guard reads. Otherwise the one-minute assessment stands.
 */
function withProbeWindow(
  health: AzHealth,
  fast: PeriodVerdict | undefined,
  policy: DetectionPolicy,
): AzHealth {
  if (!fast) return health;
  const windowMs = policy.probeWindowPeriods * policy.probePeriodSeconds * 1000;
  const hot = fast.overThreshold ? 1 : 0;
  const overThresholdInWindow = (health.overThresholdInWindow ?? 0) + hot;
  if (fast.verdict !== 'bad') return hot ? { ...health, overThresholdInWindow } : health;
  return {
    ...health,
    status: 'impaired',
    overThresholdInWindow,
    detectionMs: health.status === 'impaired' ? Math.min(health.detectionMs ?? windowMs, windowMs) : windowMs,
    goodForMs: 0,
    why: `prober, last ${windowMs / 1000} s: ${fast.why}`,
  };
}

/**
 * Assesses every AZ named in `azs` over the same one-minute periods and, when given, the prober's
 * high-resolution periods (oldest first) for its fast path.
 */
export function assessAzs(
  azs: readonly string[],
  periods: readonly PeriodSamples[],
  policy: DetectionPolicy,
  probePeriods: readonly PeriodSamples[] = [],
): Record<string, AzHealth> {
  // Pooled once for every AZ: each AZ's window is judged against the others' in the same pool.
  const pooled = probeWindow(probePeriods, policy);
  return Object.fromEntries(
    azs.map((az) => {
      const fast = pooled ? judgePeriod(az, pooled, policy) : undefined;
      return [az, withProbeWindow(assessAz(az, periods, policy), fast, policy)];
    }),
  );
}
