import type { ProbeResult } from '../ports/http-probe';
import type { TargetHealth } from '../ports/load-balancer';

/** Target states worth probing: registered and meant to serve (draining/unused ones are on their way out). */
const PROBED_STATES = new Set<TargetHealth['state']>(['healthy', 'unhealthy', 'initial', 'unavailable']);

/** Pure: the targets of a target group the prober should probe. */
export function targetsToProbe(targets: readonly TargetHealth[]): TargetHealth[] {
  return targets.filter((t) => PROBED_STATES.has(t.state));
}

/** One AZ's figures for one round, published as high-resolution metrics. */
export interface RoundSummary {
  readonly probes: number;
  readonly failures: number;
  /** Distinct targets with at least one failed probe this round. */
  readonly failedTargets: number;
  /** Percentage of probes that succeeded; 100 when there were no probes. */
  readonly successRate: number;
  /** Mean latency of the probes, successful or not (a timeout counts its full wait). */
  readonly meanLatencyMs: number;
}

/** Pure: summarizes one AZ's probe results of one round. */
export function summarizeRound(
  results: readonly { readonly target: string; readonly result: ProbeResult }[],
): RoundSummary {
  const probes = results.length;
  const failed = results.filter((r) => !r.result.ok);
  const latency = probes ? results.reduce((sum, r) => sum + r.result.latencyMs, 0) / probes : 0;
  return {
    probes,
    failures: failed.length,
    failedTargets: new Set(failed.map((r) => r.target)).size,
    successRate: probes ? ((probes - failed.length) * 100) / probes : 100,
    meanLatencyMs: latency,
  };
}

/** Pure: how many of a target group's targets the ALB reports healthy (what the cell can serve with). */
export function healthyTargetCount(targets: readonly TargetHealth[]): number {
  return targets.filter((t) => t.state === 'healthy').length;
}

/** Pure: the probes, failures and probe-weighted mean latency of several AZs' rounds together. */
export function totalOfRound(summaries: readonly RoundSummary[]): {
  probes: number;
  failures: number;
  meanLatencyMs: number;
} {
  const probes = summaries.reduce((sum, r) => sum + r.probes, 0);
  const failures = summaries.reduce((sum, r) => sum + r.failures, 0);
  const latency = probes ? summaries.reduce((sum, r) => sum + r.meanLatencyMs * r.probes, 0) / probes : 0;
  return { probes, failures, meanLatencyMs: latency };
}

/**
 * Pure: one outcome per target for the round, from its several probes: failed when more than half
 * of them failed. The probe state counts consecutive failed *rounds* (the task-replacer stops a
 * task after a few), so a gray target failing a quarter of its probes is not taken for a dead one
 * just because it is probed more often.
 */
export function roundOutcomes(
  results: readonly { readonly target: string; readonly result: ProbeResult }[],
): { ip: string; ok: boolean }[] {
  const counts = new Map<string, { probes: number; failures: number }>();
  for (const r of results) {
    const c = counts.get(r.target) ?? { probes: 0, failures: 0 };
    c.probes++;
    if (!r.result.ok) c.failures++;
    counts.set(r.target, c);
  }
  return [...counts].map(([ip, c]) => ({ ip, ok: c.failures * 2 <= c.probes }));
}

/**
 * Probes per AZ and round above which a cell's targets get fewer probes each: about 50 probes per
 * AZ per round already give the fast path its evidence, and a cell of 50 tasks probed 10 times
 * each would be 500 requests every 10 s from one function.
 */
export const MAX_PROBES_PER_AZ_ROUND = 50;

/** Pure: probes per target this round, `configured` but within {@link MAX_PROBES_PER_AZ_ROUND}, at least one. */
export function probesPerTargetFor(targets: number, configured: number): number {
  if (targets <= 0) return configured;
  return Math.max(1, Math.min(configured, Math.floor(MAX_PROBES_PER_AZ_ROUND / targets)));
}
